// ember's one thread team. Every parallel loop in the kernels goes through parallel_tasks /
// parallel_range below, so set_num_threads() governs all kernels whichever Python thread calls
// them.
//
// Why not OpenMP (which ember used before): libgomp cannot run a parallel region in a child
// made by fork() after the parent used one (the child blocks forever), and its static splits
// plus spinning barriers make every step wait for a thread the OS has descheduled on a busy
// machine. Here a loop is cut into tasks that any team thread claims one at a time, so the
// threads that do run take over a descheduled thread's share; idle threads spin briefly, then
// yield, then sleep; and a forked child starts a fresh team on its first parallel loop.
//
// Determinism: how a loop is cut into tasks depends only on its size and the thread setting,
// never on which thread runs a task, and kernels that reduce across tasks do so in task order.
#pragma once

#include <algorithm>
#include <utility>

#include "common/types.h"

namespace ember {

int num_threads();            // threads a kernel may use (default: the CPUs this process may use)
void set_num_threads(int n);  // n >= 1
bool in_parallel_region();    // true on a thread running a task: nested loops run serially

// Threads worth using for `work` multiply-adds (or bytes touched): tiny problems run on one
// thread because waking the team costs more than it saves. Inside a task this is always 1.
int threads_for(i64 work);

// Type-erased entry point of the team: runs fn(context, t) for every t in [0, tasks) on up to
// `threads` threads (the caller is one of them) and returns when all have finished. Tasks are
// claimed one at a time in increasing order. The first exception a task throws is rethrown
// here after the others finish.
using TaskFn = void (*)(void* context, i64 task);
void run_tasks(i64 tasks, int threads, TaskFn fn, void* context);

// body(t) for t in [0, tasks), on up to `threads` threads.
template <class Body>
void parallel_tasks(i64 tasks, int threads, Body&& body) {
  if (tasks <= 0) return;
  if (threads <= 1 || tasks == 1 || in_parallel_region()) {
    for (i64 t = 0; t < tasks; ++t) body(t);
    return;
  }
  using B = std::remove_reference_t<Body>;
  run_tasks(
      tasks, threads, [](void* c, i64 t) { (*static_cast<B*>(c))(t); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

// Tasks a range of `n` items is cut into for `threads` threads: a few per thread, so that
// the threads that run take over the share of one that does not.
inline i64 range_tasks(i64 n, int threads) {
  constexpr i64 kTasksPerThread = 4;
  return std::clamp<i64>(threads * kTasksPerThread, 1, std::max<i64>(n, 1));
}

// body(lo, hi) over contiguous pieces covering [begin, end), on up to `threads` threads:
// the replacement for `#pragma omp parallel for` over independent iterations.
template <class Body>
void parallel_range(i64 begin, i64 end, int threads, Body&& body) {
  const i64 n = end - begin;
  if (n <= 0) return;
  if (threads <= 1 || n == 1 || in_parallel_region()) {
    body(begin, end);
    return;
  }
  const i64 tasks = range_tasks(n, threads);
  parallel_tasks(tasks, threads, [&](i64 t) {
    const i64 lo = begin + n * t / tasks;
    const i64 hi = begin + n * (t + 1) / tasks;
    if (lo < hi) body(lo, hi);
  });
}

}  // namespace ember
