#include "kernels/softmax.h"

#include <algorithm>

#include "common/parallel.h"
#include "gemm/isa.h"

namespace ember {

void softmax_forward(const float* x, float* y, i64 rows, i64 cols, bool log) {
  if (rows == 0 || cols == 0) return;
  const IsaKernels& isa = active_isa();
  const int threads = static_cast<int>(std::min<i64>(threads_for(rows * cols * 16), rows));
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) isa.softmax_row(x + r * cols, y + r * cols, cols, log);
  });
}

void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, i64 cols, bool log) {
  if (rows == 0 || cols == 0) return;
  const IsaKernels& isa = active_isa();
  const int threads =
      static_cast<int>(std::min<i64>(threads_for(rows * cols * (log ? 16 : 4)), rows));
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      isa.softmax_backward_row(dy + r * cols, y + r * cols, dx + r * cols, cols, log);
    }
  });
}

}  // namespace ember
