#include "common/parallel.h"

#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ember {
namespace {

int default_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> setting{default_threads()};
  return setting;
}

}  // namespace

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) { thread_setting().store(n < 1 ? 1 : n, std::memory_order_relaxed); }

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

int threads_for(i64 work) {
  // About 64k multiply-adds (or bytes touched) per extra thread: below that the fork/join of a
  // team (a few microseconds) dominates.
  constexpr i64 kWorkPerThread = 1 << 16;
  if (in_parallel_region()) return 1;
  i64 useful = work / kWorkPerThread;
  int n = num_threads();
  if (useful < n) n = useful < 1 ? 1 : static_cast<int>(useful);
  return n;
}

}  // namespace ember
