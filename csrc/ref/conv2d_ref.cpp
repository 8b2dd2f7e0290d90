#include <vector>

#include "ref/ref.h"

namespace ember::ref {
namespace {

// Input coordinate that output coordinate o reads through kernel tap k.
i64 source(i64 o, i64 k, i64 stride, i64 dilation, i64 pad) {
  return o * stride + k * dilation - pad;
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    Activation act, float* y) {
  for (i64 n = 0; n < s.batch; ++n)
    for (i64 oy = 0; oy < s.out_h; ++oy)
      for (i64 ox = 0; ox < s.out_w; ++ox)
        for (i64 o = 0; o < s.out_c; ++o) {
          double acc = 0.0;
          for (i64 ky = 0; ky < s.kernel_h; ++ky) {
            const i64 iy = source(oy, ky, s.stride_h, s.dilation_h, s.pad_top);
            if (iy < 0 || iy >= s.in_h) continue;
            for (i64 kx = 0; kx < s.kernel_w; ++kx) {
              const i64 ix = source(ox, kx, s.stride_w, s.dilation_w, s.pad_left);
              if (ix < 0 || ix >= s.in_w) continue;
              for (i64 c = 0; c < s.in_c; ++c) {
                acc += static_cast<double>(x[((n * s.in_h + iy) * s.in_w + ix) * s.in_c + c]) *
                       w[((ky * s.kernel_w + kx) * s.in_c + c) * s.out_c + o];
              }
            }
          }
          if (bias != nullptr) acc += bias[o];
          y[((n * s.out_h + oy) * s.out_w + ox) * s.out_c + o] =
              activate(act, static_cast<float>(acc));
        }
}

void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  std::vector<double> acc(static_cast<std::size_t>(s.input_size()), 0.0);
  for (i64 n = 0; n < s.batch; ++n)
    for (i64 oy = 0; oy < s.out_h; ++oy)
      for (i64 ox = 0; ox < s.out_w; ++ox)
        for (i64 ky = 0; ky < s.kernel_h; ++ky) {
          const i64 iy = source(oy, ky, s.stride_h, s.dilation_h, s.pad_top);
          if (iy < 0 || iy >= s.in_h) continue;
          for (i64 kx = 0; kx < s.kernel_w; ++kx) {
            const i64 ix = source(ox, kx, s.stride_w, s.dilation_w, s.pad_left);
            if (ix < 0 || ix >= s.in_w) continue;
            for (i64 c = 0; c < s.in_c; ++c) {
              double sum = 0.0;
              for (i64 o = 0; o < s.out_c; ++o) {
                sum += static_cast<double>(dy[((n * s.out_h + oy) * s.out_w + ox) * s.out_c + o]) *
                       w[((ky * s.kernel_w + kx) * s.in_c + c) * s.out_c + o];
              }
              acc[static_cast<std::size_t>(((n * s.in_h + iy) * s.in_w + ix) * s.in_c + c)] += sum;
            }
          }
        }
  for (i64 i = 0; i < s.input_size(); ++i)
    dx[i] = static_cast<float>(acc[static_cast<std::size_t>(i)]);
}

void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  for (i64 ky = 0; ky < s.kernel_h; ++ky)
    for (i64 kx = 0; kx < s.kernel_w; ++kx)
      for (i64 c = 0; c < s.in_c; ++c)
        for (i64 o = 0; o < s.out_c; ++o) {
          double acc = 0.0;
          for (i64 n = 0; n < s.batch; ++n)
            for (i64 oy = 0; oy < s.out_h; ++oy) {
              const i64 iy = source(oy, ky, s.stride_h, s.dilation_h, s.pad_top);
              if (iy < 0 || iy >= s.in_h) continue;
              for (i64 ox = 0; ox < s.out_w; ++ox) {
                const i64 ix = source(ox, kx, s.stride_w, s.dilation_w, s.pad_left);
                if (ix < 0 || ix >= s.in_w) continue;
                acc += static_cast<double>(x[((n * s.in_h + iy) * s.in_w + ix) * s.in_c + c]) *
                       dy[((n * s.out_h + oy) * s.out_w + ox) * s.out_c + o];
              }
            }
          dw[((ky * s.kernel_w + kx) * s.in_c + c) * s.out_c + o] = static_cast<float>(acc);
        }
}

void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db) {
  for (i64 o = 0; o < s.out_c; ++o) {
    double acc = 0.0;
    for (i64 p = 0; p < s.out_pixels(); ++p) acc += dy[p * s.out_c + o];
    db[o] = static_cast<float>(acc);
  }
}

}  // namespace ember::ref
