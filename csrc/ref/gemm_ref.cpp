#include <cmath>

#include "ref/ref.h"

namespace ember::ref {

float activate(Activation act, float x) {
  switch (act) {
    case Activation::relu:
      return x < 0.0f ? 0.0f : x;
    case Activation::tanh:
      return std::tanh(x);
    case Activation::sigmoid:
      return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
    case Activation::linear:
      break;
  }
  return x;
}

void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const float* bias,
          Activation act) {
  for (i64 i = 0; i < m; ++i) {
    for (i64 j = 0; j < n; ++j) {
      double acc = 0.0;
      for (i64 p = 0; p < k; ++p) {
        const float av = trans_a ? a[p * lda + i] : a[i * lda + p];
        const float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        acc += static_cast<double>(av) * bv;
      }
      double v = alpha * acc;
      if (beta != 0.0f) v += static_cast<double>(beta) * c[i * ldc + j];
      if (bias != nullptr) v += bias[j];
      c[i * ldc + j] = activate(act, static_cast<float>(v));
    }
  }
}

}  // namespace ember::ref
