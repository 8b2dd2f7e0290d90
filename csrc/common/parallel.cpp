#include "common/parallel.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#elif defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define EMBER_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define EMBER_CPU_RELAX() asm volatile("yield" ::: "memory")
#else
#define EMBER_CPU_RELAX() ((void)0)
#endif

namespace ember {
namespace {

// ------------------------------------------------------------------ the thread setting

int cpus_available() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

// OMP_NUM_THREADS (a user's setting from the OpenMP days) still sets the default.
int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1) return static_cast<int>(std::min<long>(n, 1 << 16));
  }
  return cpus_available();
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> setting{default_threads()};
  return setting;
}

thread_local bool t_in_task = false;

// ------------------------------------------------------------------ waiting

// How an idle thread waits for something to change: a short spin (a step follows the last
// within microseconds on a quiet machine), then yielding the CPU between looks (so that on a
// busy machine the threads that have work, ours or another program's, run instead), then, for
// a team thread with nothing to do, sleeping.
constexpr int kSpins = 2000;   // pause instructions, about 10-50 microseconds
constexpr int kYields = 2000;  // sched_yield calls before a team thread sleeps
template <class Ready>
bool spin_then_yield(Ready ready) {
  for (int i = 0; i < kSpins; ++i) {
    if (ready()) return true;
    EMBER_CPU_RELAX();
  }
  for (int i = 0; i < kYields; ++i) {
    if (ready()) return true;
    std::this_thread::yield();
  }
  return ready();
}

// ------------------------------------------------------------------ the team

// One job at a time. `claim` holds, in one word, the job's generation (24 bits), its task
// count and the next unclaimed task (20 bits each): a thread that wakes late for an old job
// compares the generation and the count it claims against in the same atomic read, so it
// cannot claim a task of a newer job (nor run past the old one's end) while the caller is
// setting the next job up.
constexpr int kTaskBits = 20;
constexpr std::uint64_t kTaskMask = (std::uint64_t{1} << kTaskBits) - 1;
constexpr std::uint32_t kGenMask = (std::uint32_t{1} << (64 - 2 * kTaskBits)) - 1;
constexpr i64 kMaxJobTasks = static_cast<i64>(kTaskMask);  // run_tasks cuts bigger loops

std::uint64_t claim_word(std::uint32_t gen, i64 tasks) {
  return (static_cast<std::uint64_t>(gen & kGenMask) << (2 * kTaskBits)) |
         (static_cast<std::uint64_t>(tasks) << kTaskBits);
}

struct Team {
  std::mutex run_mutex;  // one job at a time; held by fork's prepare handler too
  std::atomic<std::uint64_t> claim{0};
  std::atomic<std::uint32_t> generation{0};
  std::atomic<i64> done{0};
  i64 base = 0;  // the job's first task index (read only while holding a claimed task)
  TaskFn fn = nullptr;
  void* context = nullptr;
  std::atomic<int> helpers_wanted{0};  // team threads 0..wanted-1 join this job
  std::exception_ptr error;
  std::mutex error_mutex;

  std::mutex sleep_mutex;
  std::condition_variable wake;
  std::atomic<int> sleepers{0};
  int threads_started = 0;  // helper threads (the caller is the team's other member)

  // Claims and runs tasks of job `gen` until none is left. fn, context and base are read only
  // after a successful claim: the job cannot end before that task is counted done.
  void work(std::uint32_t gen) {
    const std::uint64_t gen_bits = static_cast<std::uint64_t>(gen & kGenMask);
    for (;;) {
      std::uint64_t c = claim.load(std::memory_order_acquire);
      if ((c >> (2 * kTaskBits)) != gen_bits) return;
      const std::uint64_t next = c & kTaskMask;
      if (next >= ((c >> kTaskBits) & kTaskMask)) return;
      if (!claim.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
      try {
        fn(context, base + static_cast<i64>(next));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void helper_loop(int index) {
    t_in_task = true;  // everything a helper runs is a task: nested loops run serially
    std::uint32_t seen = generation.load(std::memory_order_acquire);
    for (;;) {
      auto fresh = [&] { return generation.load(std::memory_order_acquire) != seen; };
      if (!spin_then_yield(fresh)) {
        std::unique_lock<std::mutex> lock(sleep_mutex);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        wake.wait(lock, fresh);
        sleepers.fetch_sub(1, std::memory_order_relaxed);
      }
      seen = generation.load(std::memory_order_acquire);
      if (index < helpers_wanted.load(std::memory_order_acquire)) work(seen);
    }
  }

  void ensure_helpers(int wanted) {
    // Helpers are detached: they never touch Python and die with the process.
    for (; threads_started < wanted; ++threads_started) {
      std::thread([this, i = threads_started] { helper_loop(i); }).detach();
    }
  }

  // Tasks [first, first + n), n <= kMaxJobTasks.
  void run(i64 first, i64 n, int threads, TaskFn f, void* ctx) {
    std::lock_guard<std::mutex> lock(run_mutex);
    const int helpers = static_cast<int>(std::min<i64>(threads, n)) - 1;
    ensure_helpers(helpers);
    base = first;
    fn = f;
    context = ctx;
    error = nullptr;
    done.store(0, std::memory_order_relaxed);
    helpers_wanted.store(helpers, std::memory_order_relaxed);
    const std::uint32_t gen = generation.load(std::memory_order_relaxed) + 1;
    claim.store(claim_word(gen, n), std::memory_order_release);
    generation.store(gen, std::memory_order_seq_cst);
    if (sleepers.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> sleep_lock(sleep_mutex);
      wake.notify_all();
    }
    t_in_task = true;
    work(gen);
    t_in_task = false;
    // The caller has run out of tasks to claim; the last ones may still be running elsewhere.
    auto finished = [&] { return done.load(std::memory_order_acquire) == n; };
    while (!spin_then_yield(finished)) {
    }
    if (error) std::rethrow_exception(error);
  }
};

std::atomic<Team*> g_team{nullptr};
std::once_flag g_fork_handlers;

#if defined(__unix__) || defined(__APPLE__)
// fork() copies only the calling thread. Holding run_mutex across it means no job is half done
// in the child; the child then drops the parent's team (its helpers do not exist there; the
// old team is leaked with its locked mutex) and starts its own on its first parallel loop.
void before_fork() {
  if (Team* t = g_team.load()) t->run_mutex.lock();
}
void after_fork_parent() {
  if (Team* t = g_team.load()) t->run_mutex.unlock();
}
void after_fork_child() { g_team.store(nullptr); }
#endif

Team& team() {
  std::call_once(g_fork_handlers, [] {
#if defined(__unix__) || defined(__APPLE__)
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
#endif
  });
  Team* t = g_team.load(std::memory_order_acquire);
  if (t != nullptr) return *t;
  // Leaked on purpose: helpers are detached and must never see their team destroyed at exit.
  Team* fresh = new Team();
  if (g_team.compare_exchange_strong(t, fresh)) return *fresh;
  delete fresh;  // another thread made one first
  return *t;
}

}  // namespace

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) { thread_setting().store(n < 1 ? 1 : n, std::memory_order_relaxed); }

bool in_parallel_region() { return t_in_task; }

int threads_for(i64 work) {
  // About 64k multiply-adds (or bytes touched) per extra thread: below that waking the team
  // (a few microseconds) dominates.
  constexpr i64 kWorkPerThread = 1 << 16;
  if (in_parallel_region()) return 1;
  i64 useful = work / kWorkPerThread;
  int n = num_threads();
  if (useful < n) n = useful < 1 ? 1 : static_cast<int>(useful);
  return n;
}

void run_tasks(i64 tasks, int threads, TaskFn fn, void* context) {
  if (tasks <= 0) return;
  if (threads <= 1 || tasks == 1 || in_parallel_region()) {
    for (i64 t = 0; t < tasks; ++t) fn(context, t);
    return;
  }
  for (i64 first = 0; first < tasks; first += kMaxJobTasks) {
    team().run(first, std::min(kMaxJobTasks, tasks - first), threads, fn, context);
  }
}

}  // namespace ember
