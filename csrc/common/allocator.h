// Process allocator settings for training workloads.
#pragma once

namespace ember {

// With glibc's defaults, the multi-megabyte activation and gradient arrays that a training
// step frees are handed back to the kernel and faulted in (zeroed) again on the next step;
// that page-fault traffic costs a third of a small CNN's step time. Keep freed blocks up to
// 64 MB in the heap and trim it only above 512 MB. Environment settings (MALLOC_*) and
// EMBER_MALLOC_TUNING=0 leave the allocator alone. Returns whether it changed anything.
bool tune_allocator();

}  // namespace ember
