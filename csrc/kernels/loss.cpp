#include "kernels/loss.h"

#include <algorithm>

#include "common/parallel.h"
#include "gemm/isa.h"

namespace ember {
namespace {

int row_threads(i64 rows, i64 classes, i64 cost) {
  return static_cast<int>(
      std::max<i64>(1, std::min<i64>(threads_for(rows * classes * cost), rows)));
}

// f(begin, length) over [0, n) in fixed blocks on the team (elementwise losses).
template <typename F>
void for_blocks(i64 n, F f) {
  constexpr i64 kBlock = 16384;
  const i64 blocks = ceil_div(n, kBlock);
  const int threads = static_cast<int>(std::min<i64>(threads_for(n * 32), blocks));
  if (threads <= 1) {
    if (n > 0) f(i64{0}, n);
    return;
  }
  parallel_range(0, blocks, threads, [&](i64 lo, i64 hi) {
    for (i64 b = lo; b < hi; ++b) f(b * kBlock, std::min(n, (b + 1) * kBlock) - b * kBlock);
  });
}

}  // namespace

void softmax_xent_forward_labels(const float* logits, const std::int64_t* labels, i64 rows,
                                 i64 classes, float* loss, float* probs) {
  const IsaKernels& isa = active_isa();
  const int threads = row_threads(rows, classes, 16);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* x = logits + r * classes;
      const RowLogSumExp lse = isa.softmax_row(x, probs + r * classes, classes, false);
      // -log_softmax at the label = (max - x_label) + log_sum, both parts without cancellation.
      const double max_gap = static_cast<double>(lse.max) - x[labels[r]];
      loss[r] = static_cast<float>(max_gap + lse.log_sum);
    }
  });
}

void softmax_xent_forward_dense(const float* logits, const float* targets, i64 rows, i64 classes,
                                float* loss, float* probs) {
  const IsaKernels& isa = active_isa();
  const int threads = row_threads(rows, classes, 16);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* x = logits + r * classes;
      const float* t = targets + r * classes;
      const RowLogSumExp lse = isa.softmax_row(x, probs + r * classes, classes, false);
      // Every -log_softmax term (max - x_j) + log_sum is >= 0: a double sum of them loses nothing
      // to cancellation.
      double acc = 0.0;
      for (i64 j = 0; j < classes; ++j) {
        acc += static_cast<double>(t[j]) * ((static_cast<double>(lse.max) - x[j]) + lse.log_sum);
      }
      loss[r] = static_cast<float>(acc);
    }
  });
}

void softmax_xent_backward_labels(const float* probs, const std::int64_t* labels,
                                  const float* dloss, i64 rows, i64 classes, float* dlogits) {
  const int threads = row_threads(rows, classes, 2);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* p = probs + r * classes;
      float* d = dlogits + r * classes;
      const float g = dloss[r];
      for (i64 j = 0; j < classes; ++j) d[j] = p[j] * g;
      const i64 label = labels[r];
      d[label] = (p[label] - 1.0f) * g;
    }
  });
}

void softmax_xent_backward_dense(const float* probs, const float* targets, const float* dloss,
                                 i64 rows, i64 classes, float* dlogits) {
  const int threads = row_threads(rows, classes, 4);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* p = probs + r * classes;
      const float* t = targets + r * classes;
      float* d = dlogits + r * classes;
      double total = 0.0;
      for (i64 j = 0; j < classes; ++j) total += t[j];
      const float mass = static_cast<float>(total);
      const float g = dloss[r];
      for (i64 j = 0; j < classes; ++j) d[j] = (p[j] * mass - t[j]) * g;
    }
  });
}

void sigmoid_xent_forward(const float* x, const float* t, float* loss, i64 n) {
  const IsaKernels& isa = active_isa();
  for_blocks(
      n, [&](i64 begin, i64 len) { isa.sigmoid_xent(x + begin, t + begin, loss + begin, len); });
}

void sigmoid_xent_backward(const float* x, const float* t, const float* dloss, float* dx, i64 n) {
  const IsaKernels& isa = active_isa();
  for_blocks(n, [&](i64 begin, i64 len) {
    isa.sigmoid_xent_backward(x + begin, t + begin, dloss + begin, dx + begin, len);
  });
}

}  // namespace ember
