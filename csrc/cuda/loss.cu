// Fused softmax and sigmoid cross-entropies on logits (csrc/kernels/loss.h), in double as the
// reference: one row (softmax) or one element (sigmoid) per thread.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

__device__ double log_sum_exp(const float* x, i64 n) {
  double m = -INFINITY;
  for (i64 j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  double sum = 0.0;
  for (i64 j = 0; j < n; ++j) sum += exp(x[j] - m);
  return m + log(sum);
}

__global__ void xent_labels_kernel(const float* logits, const std::int64_t* labels, i64 rows,
                                   i64 classes, float* loss, float* probs,
                                   unsigned long long* first_bad) {
  EMBER_GRID_STRIDE(r, rows) {
    const float* x = logits + r * classes;
    const double lse = log_sum_exp(x, classes);
    for (i64 j = 0; j < classes; ++j) {
      probs[r * classes + j] = static_cast<float>(exp(x[j] - lse));
    }
    const std::int64_t label = labels[r];
    if (label < 0 || label >= classes) {
      loss[r] = NAN;
      atomicMin(first_bad, static_cast<unsigned long long>(r));
    } else {
      loss[r] = static_cast<float>(lse - x[label]);
    }
  }
}

__global__ void xent_dense_kernel(const float* logits, const float* targets, i64 rows, i64 classes,
                                  float* loss, float* probs) {
  EMBER_GRID_STRIDE(r, rows) {
    const float* x = logits + r * classes;
    const double lse = log_sum_exp(x, classes);
    double acc = 0.0;
    for (i64 j = 0; j < classes; ++j) {
      probs[r * classes + j] = static_cast<float>(exp(x[j] - lse));
      acc -= targets[r * classes + j] * (x[j] - lse);
    }
    loss[r] = static_cast<float>(acc);
  }
}

__global__ void xent_backward_labels_kernel(const float* probs, const std::int64_t* labels,
                                            const float* dloss, i64 rows, i64 classes,
                                            float* dlogits) {
  EMBER_GRID_STRIDE(i, rows * classes) {
    const i64 r = i / classes, j = i % classes;
    const double onehot = j == labels[r] ? 1.0 : 0.0;
    dlogits[i] = static_cast<float>((probs[i] - onehot) * static_cast<double>(dloss[r]));
  }
}

__global__ void xent_backward_dense_kernel(const float* probs, const float* targets,
                                           const float* dloss, i64 rows, i64 classes,
                                           float* dlogits) {
  EMBER_GRID_STRIDE(r, rows) {
    double mass = 0.0;
    for (i64 j = 0; j < classes; ++j) mass += targets[r * classes + j];
    for (i64 j = 0; j < classes; ++j) {
      const i64 k = r * classes + j;
      dlogits[k] = static_cast<float>((probs[k] * mass - targets[k]) * dloss[r]);
    }
  }
}

__global__ void sigmoid_forward_kernel(const float* x, const float* t, float* loss, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const double v = x[i];
    const double relu = v > 0.0 ? v : (v != v ? v : 0.0);
    loss[i] = static_cast<float>(relu - v * t[i] + log1p(exp(-fabs(v))));
  }
}

__global__ void sigmoid_backward_kernel(const float* x, const float* t, const float* dloss,
                                        float* dx, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const double s = 1.0 / (1.0 + exp(-static_cast<double>(x[i])));
    dx[i] = static_cast<float>((s - t[i]) * dloss[i]);
  }
}

}  // namespace

i64 softmax_xent_forward_labels(const float* logits, const std::int64_t* labels, i64 rows,
                                i64 classes, float* loss, float* probs) {
  if (rows <= 0) return -1;
  Scratch<unsigned long long> flag(1);
  const unsigned long long none = ~0ULL;
  copy_to_device(flag.get(), &none, sizeof none);
  xent_labels_kernel<<<blocks_for(rows), kThreads>>>(logits, labels, rows, classes, loss, probs,
                                                     flag.get());
  check_launch("softmax_xent_forward");
  unsigned long long bad = none;
  copy_to_host(&bad, flag.get(), sizeof bad);
  return bad == none ? -1 : static_cast<i64>(bad);
}

void softmax_xent_forward_dense(const float* logits, const float* targets, i64 rows, i64 classes,
                                float* loss, float* probs) {
  if (rows <= 0) return;
  xent_dense_kernel<<<blocks_for(rows), kThreads>>>(logits, targets, rows, classes, loss, probs);
  check_launch("softmax_xent_forward");
}

void softmax_xent_backward_labels(const float* probs, const std::int64_t* labels,
                                  const float* dloss, i64 rows, i64 classes, float* dlogits) {
  if (rows * classes <= 0) return;
  xent_backward_labels_kernel<<<blocks_for(rows * classes), kThreads>>>(probs, labels, dloss, rows,
                                                                        classes, dlogits);
  check_launch("softmax_xent_backward");
}

void softmax_xent_backward_dense(const float* probs, const float* targets, const float* dloss,
                                 i64 rows, i64 classes, float* dlogits) {
  if (rows <= 0) return;
  xent_backward_dense_kernel<<<blocks_for(rows), kThreads>>>(probs, targets, dloss, rows, classes,
                                                             dlogits);
  check_launch("softmax_xent_backward");
}

void sigmoid_xent_forward(const float* x, const float* t, float* loss, i64 n) {
  if (n <= 0) return;
  sigmoid_forward_kernel<<<blocks_for(n), kThreads>>>(x, t, loss, n);
  check_launch("sigmoid_xent_forward");
}

void sigmoid_xent_backward(const float* x, const float* t, const float* dloss, float* dx, i64 n) {
  if (n <= 0) return;
  sigmoid_backward_kernel<<<blocks_for(n), kThreads>>>(x, t, dloss, dx, n);
  check_launch("sigmoid_xent_backward");
}

}  // namespace ember::cuda
