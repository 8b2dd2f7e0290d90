// Dense matrices as GEMM operands: A read in place, B packed into nr-wide panels.
#include <algorithm>
#include <cstring>

#include "gemm/gemm.h"

namespace ember::gemm {
ABlock MatrixA::rows(i64 m0, i64 /*mc*/, i64 k0, i64 /*kc*/, float* /*buf*/) const {
  if (!trans_) return {data_ + m0 * ld_ + k0, ld_, false};
  return {data_ + k0 * ld_ + m0, ld_, true};  // A[m][k] = data[k * ld + m]
}

void MatrixB::pack(i64 k0, i64 kc, i64 n0, i64 nc, int nr, float* dst) const {
  for (i64 p = 0; p * nr < nc; ++p) {
    const i64 width = std::min<i64>(nr, nc - p * nr);
    float* panel = dst + p * kc * nr;
    const i64 col = n0 + p * nr;
    if (!trans_) {
      for (i64 k = 0; k < kc; ++k) {
        const float* src = data_ + (k0 + k) * ld_ + col;
        float* out = panel + k * nr;
        std::memcpy(out, src, static_cast<std::size_t>(width) * sizeof(float));
        for (i64 j = width; j < nr; ++j) out[j] = 0.0f;
      }
    } else {
      // B[k][n] = data[n * ld + k]: column j of the panel is a contiguous run of the source.
      for (i64 j = 0; j < width; ++j) {
        const float* src = data_ + (col + j) * ld_ + k0;
        for (i64 k = 0; k < kc; ++k) panel[k * nr + j] = src[k];
      }
      for (i64 k = 0; k < kc; ++k) {
        for (i64 j = width; j < nr; ++j) panel[k * nr + j] = 0.0f;
      }
    }
  }
}

}  // namespace ember::gemm
