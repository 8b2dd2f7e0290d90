// 2-D convolution as im2col + cuBLAS, in chunks of whole images (so the column buffer stays under
// kColumnBudget floats whatever the batch):
//
//   forward          Y    = act(im2col(X) @ W + b)          M = pixels, N = out_c, K = kh*kw*in_c
//   backward_input   dCol = dY @ W^T, then each dx element gathers its dCol entries (no scatter,
//                    no atomics: every input element is written once, in a fixed order)
//   backward_weight  dW   = sum over chunks of im2col(X)^T @ dY
//   backward_bias    db   = column sums of dY
//
// A 1x1 kernel with stride 1 and no padding needs no im2col: the NHWC image is the column matrix.
#include <algorithm>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

constexpr i64 kColumnBudget = i64{64} << 20;  // floats (256 MB)

i64 patch(const Conv2dShape& s) { return s.kernel_h * s.kernel_w * s.in_c; }

i64 images_per_chunk(const Conv2dShape& s) {
  const i64 per_image = std::max<i64>(s.out_h * s.out_w * patch(s), 1);
  return std::max<i64>(1, std::min<i64>(s.batch, kColumnBudget / per_image));
}

bool pointwise(const Conv2dShape& s) {
  return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
         s.pad_top == 0 && s.pad_bottom == 0 && s.pad_left == 0 && s.pad_right == 0;
}

// col[p, q] for the pixels p of images [n0, n0 + images): q = (ky * kw + kx) * in_c + c, the HWIO
// row order of the kernel; padding reads as 0.
__global__ void im2col_kernel(Conv2dShape s, const float* x, i64 n0, i64 images, float* col) {
  const i64 K = s.kernel_h * s.kernel_w * s.in_c;
  const i64 total = images * s.out_h * s.out_w * K;
  EMBER_GRID_STRIDE(i, total) {
    const i64 q = i % K, p = i / K;
    const i64 c = q % s.in_c, kk = q / s.in_c;
    const i64 kx = kk % s.kernel_w, ky = kk / s.kernel_w;
    const i64 ox = p % s.out_w, rest = p / s.out_w;
    const i64 oy = rest % s.out_h, n = n0 + rest / s.out_h;
    const i64 iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
    const i64 ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
    const bool inside = iy >= 0 && iy < s.in_h && ix >= 0 && ix < s.in_w;
    col[i] = inside ? x[((n * s.in_h + iy) * s.in_w + ix) * s.in_c + c] : 0.0f;
  }
}

// dx for images [n0, n0 + images): each element sums the dcol entries of the output pixels whose
// windows read it, in (ky, kx) order.
__global__ void col2im_kernel(Conv2dShape s, const float* dcol, i64 n0, i64 images, float* dx) {
  const i64 K = s.kernel_h * s.kernel_w * s.in_c;
  const i64 total = images * s.in_h * s.in_w * s.in_c;
  EMBER_GRID_STRIDE(i, total) {
    const i64 c = i % s.in_c, rest = i / s.in_c;
    const i64 ix = rest % s.in_w, rest2 = rest / s.in_w;
    const i64 iy = rest2 % s.in_h, n = rest2 / s.in_h;  // n: image within the chunk
    float acc = 0.0f;
    for (i64 ky = 0; ky < s.kernel_h; ++ky) {
      const i64 ty = iy + s.pad_top - ky * s.dilation_h;
      if (ty < 0 || ty % s.stride_h != 0) continue;
      const i64 oy = ty / s.stride_h;
      if (oy >= s.out_h) continue;
      for (i64 kx = 0; kx < s.kernel_w; ++kx) {
        const i64 tx = ix + s.pad_left - kx * s.dilation_w;
        if (tx < 0 || tx % s.stride_w != 0) continue;
        const i64 ox = tx / s.stride_w;
        if (ox >= s.out_w) continue;
        acc += dcol[((n * s.out_h + oy) * s.out_w + ox) * K + (ky * s.kernel_w + kx) * s.in_c + c];
      }
    }
    dx[(n0 * s.in_h * s.in_w * s.in_c) + i] = acc;
  }
}

void im2col(const Conv2dShape& s, const float* x, i64 n0, i64 images, float* col) {
  const i64 total = images * s.out_h * s.out_w * patch(s);
  im2col_kernel<<<blocks_for(total), kThreads>>>(s, x, n0, images, col);
  check_launch("conv2d im2col");
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    Activation act, float* y) {
  const i64 K = patch(s), per = images_per_chunk(s), pixels = s.out_h * s.out_w;
  const bool direct = pointwise(s);
  Scratch<float> col(direct ? 0 : per * pixels * K);
  for (i64 n0 = 0; n0 < s.batch; n0 += per) {
    const i64 images = std::min(per, s.batch - n0);
    const float* a = x + n0 * s.in_h * s.in_w * s.in_c;
    if (!direct) {
      im2col(s, x, n0, images, col.get());
      a = col.get();
    }
    gemm(false, false, images * pixels, s.out_c, K, 1.0f, a, K, w, s.out_c, 0.0f,
         y + n0 * pixels * s.out_c, s.out_c, bias, act);
  }
}

void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const i64 K = patch(s), per = images_per_chunk(s), pixels = s.out_h * s.out_w;
  const bool direct = pointwise(s);
  Scratch<float> dcol(direct ? 0 : per * pixels * K);
  for (i64 n0 = 0; n0 < s.batch; n0 += per) {
    const i64 images = std::min(per, s.batch - n0);
    // dCol = dY @ W^T; for a pointwise conv dCol is dx itself.
    float* out = direct ? dx + n0 * s.in_h * s.in_w * s.in_c : dcol.get();
    gemm(false, true, images * pixels, K, s.out_c, 1.0f, dy + n0 * pixels * s.out_c, s.out_c, w,
         s.out_c, 0.0f, out, K, nullptr, Activation::linear);
    if (!direct) {
      const i64 total = images * s.in_h * s.in_w * s.in_c;
      col2im_kernel<<<blocks_for(total), kThreads>>>(s, dcol.get(), n0, images, dx);
      check_launch("conv2d col2im");
    }
  }
}

void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  const i64 K = patch(s), per = images_per_chunk(s), pixels = s.out_h * s.out_w;
  const bool direct = pointwise(s);
  Scratch<float> col(direct ? 0 : per * pixels * K);
  for (i64 n0 = 0; n0 < s.batch; n0 += per) {
    const i64 images = std::min(per, s.batch - n0);
    const float* a = x + n0 * s.in_h * s.in_w * s.in_c;
    if (!direct) {
      im2col(s, x, n0, images, col.get());
      a = col.get();
    }
    // dW (K x out_c) += col^T @ dY; the first chunk overwrites.
    gemm(true, false, K, s.out_c, images * pixels, 1.0f, a, K, dy + n0 * pixels * s.out_c, s.out_c,
         n0 == 0 ? 0.0f : 1.0f, dw, s.out_c, nullptr, Activation::linear);
  }
}

void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db) {
  column_sums(dy, s.batch * s.out_h * s.out_w, s.out_c, db);
}

}  // namespace ember::cuda
