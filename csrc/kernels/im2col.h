// im2col rows of an NHWC image, copied on demand. Row m of im2col(x) is output pixel m's
// receptive field: for each kernel row ky, kernel_w * in_c values that are contiguous in the
// image (dilation 1), so a row is a few long copies rather than kh * kw * in_c gathers.
#pragma once

#include "kernels/geometry.h"

namespace ember {

class Im2col {
 public:
  Im2col(const Conv2dShape& s, const float* x) : s_(s), x_(x) {}

  // dst[r * ld + j] = im2col(x)[m0 + r][k0 + j] for r < count, j < len (zeros for padding).
  void rows(i64 m0, i64 count, i64 k0, i64 len, float* dst, i64 ld) const;

 private:
  const Conv2dShape& s_;
  const float* x_;
};

}  // namespace ember
