// The one OpenMP team: every parallel region in ember asks num_threads() for its size, so
// set_num_threads() governs all kernels whichever Python thread calls them.
#pragma once

#include "common/types.h"

namespace ember {

int num_threads();            // threads a kernel may use (default: all cores / OMP_NUM_THREADS)
void set_num_threads(int n);  // n >= 1
bool in_parallel_region();    // true inside an OpenMP region: kernels then run serially
int thread_index();           // index in the current team (0 outside a region)
bool openmp_enabled();

// Threads worth using for `work` multiply-adds (or bytes touched): tiny problems run on one
// thread because waking the team costs more than it saves. Inside a region this is always 1.
int threads_for(i64 work);

}  // namespace ember
