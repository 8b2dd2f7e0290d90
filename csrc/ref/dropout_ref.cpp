// Reference dropout: the shared counter hash of kernels/dropout.h, one element at a time.
#include "ref/ref.h"

namespace ember::ref {

void dropout_apply(const DropoutMask& m, const float* x, float* y, i64 n) {
  for (i64 i = 0; i < n; ++i) {
    const double keep = dropout_keeps(m, i) ? 1.0 : 0.0;
    y[i] = static_cast<float>(static_cast<double>(x[i]) * m.scale * keep);
  }
}

}  // namespace ember::ref
