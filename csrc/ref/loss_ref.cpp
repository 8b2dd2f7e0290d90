// Reference softmax and sigmoid cross-entropies in double.
#include <cmath>

#include "ref/ref.h"

namespace ember::ref {

namespace {

// log(sum(exp(row))) in double, max-shifted.
double log_sum_exp(const float* x, i64 n) {
  double m = -INFINITY;
  for (i64 j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  double sum = 0.0;
  for (i64 j = 0; j < n; ++j) sum += std::exp(x[j] - m);
  return m + std::log(sum);
}

}  // namespace

void softmax_xent_forward_labels(const float* logits, const std::int64_t* labels, i64 rows,
                                 i64 classes, float* loss, float* probs) {
  for (i64 r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    const double lse = log_sum_exp(x, classes);
    for (i64 j = 0; j < classes; ++j)
      probs[r * classes + j] = static_cast<float>(std::exp(x[j] - lse));
    loss[r] = static_cast<float>(lse - x[labels[r]]);
  }
}

void softmax_xent_forward_dense(const float* logits, const float* targets, i64 rows, i64 classes,
                                float* loss, float* probs) {
  for (i64 r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    const double lse = log_sum_exp(x, classes);
    double acc = 0.0;
    for (i64 j = 0; j < classes; ++j) {
      probs[r * classes + j] = static_cast<float>(std::exp(x[j] - lse));
      acc -= targets[r * classes + j] * (x[j] - lse);
    }
    loss[r] = static_cast<float>(acc);
  }
}

void softmax_xent_backward_labels(const float* probs, const std::int64_t* labels,
                                  const float* dloss, i64 rows, i64 classes, float* dlogits) {
  for (i64 r = 0; r < rows; ++r) {
    for (i64 j = 0; j < classes; ++j) {
      const double onehot = j == labels[r] ? 1.0 : 0.0;
      dlogits[r * classes + j] =
          static_cast<float>((probs[r * classes + j] - onehot) * static_cast<double>(dloss[r]));
    }
  }
}

void softmax_xent_backward_dense(const float* probs, const float* targets, const float* dloss,
                                 i64 rows, i64 classes, float* dlogits) {
  for (i64 r = 0; r < rows; ++r) {
    double mass = 0.0;
    for (i64 j = 0; j < classes; ++j) mass += targets[r * classes + j];
    for (i64 j = 0; j < classes; ++j) {
      const i64 k = r * classes + j;
      dlogits[k] = static_cast<float>((probs[k] * mass - targets[k]) * dloss[r]);
    }
  }
}

void sigmoid_xent_forward(const float* x, const float* t, float* loss, i64 n) {
  for (i64 i = 0; i < n; ++i) {
    const double v = x[i];
    const double relu = v > 0.0 ? v : (v != v ? v : 0.0);
    loss[i] = static_cast<float>(relu - v * t[i] + std::log1p(std::exp(-std::fabs(v))));
  }
}

void sigmoid_xent_backward(const float* x, const float* t, const float* dloss, float* dx, i64 n) {
  for (i64 i = 0; i < n; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    dx[i] = static_cast<float>((s - t[i]) * dloss[i]);
  }
}

}  // namespace ember::ref
