// Packing for dense matrices: plain rows of A, nr-wide panels of B.
#include <algorithm>
#include <cstring>

#include "gemm/gemm.h"

namespace ember::gemm {
namespace {

// dst[r * dst_ld + c] = src[c * src_ld + r] for r < rows, c < cols, in cache-sized tiles.
void transpose_block(const float* src, i64 src_ld, i64 rows, i64 cols, float* dst, i64 dst_ld) {
  constexpr i64 kTile = 16;
  for (i64 c0 = 0; c0 < cols; c0 += kTile) {
    const i64 c1 = std::min(cols, c0 + kTile);
    for (i64 r0 = 0; r0 < rows; r0 += kTile) {
      const i64 r1 = std::min(rows, r0 + kTile);
      for (i64 c = c0; c < c1; ++c) {
        const float* s = src + c * src_ld;
        for (i64 r = r0; r < r1; ++r) dst[r * dst_ld + c] = s[r];
      }
    }
  }
}

}  // namespace

const float* MatrixA::rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf, i64* ld) const {
  if (!trans_) {
    *ld = ld_;
    return data_ + m0 * ld_ + k0;
  }
  // A[m][k] = data[k * ld + m]: gather a transposed block.
  transpose_block(data_ + k0 * ld_ + m0, ld_, mc, kc, buf, kc);
  *ld = kc;
  return buf;
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
