// Output sizes and padding of sliding-window ops (convolution, pooling), following TensorFlow:
//   valid:    out = floor((in - d*(k-1) - 1) / s) + 1
//   same:     out = ceil(in / s); total pad = max((out-1)*s + d*(k-1) + 1 - in, 0);
//             before = total / 2, the extra cell goes after (bottom/right)
//   explicit: out = floor((in + before + after - d*(k-1) - 1) / s) + 1
// Every constructor validates its arguments and throws std::invalid_argument (or
// std::overflow_error) with a message naming the op, the argument, expected and received values.
#pragma once

#include <string>

#include "common/types.h"

namespace ember {

enum class Padding { valid, same, explicit_pads };

struct Window1d {
  i64 in = 0, kernel = 0, stride = 1, dilation = 1;
  i64 pad_before = 0, pad_after = 0;
  i64 out = 0;
};

// One spatial axis. `axis` ("height" or "width") and `kernel_word` ("kernel", "pool size")
// appear in error messages.
Window1d make_window(const std::string& op, const char* axis, i64 in, i64 kernel, i64 stride,
                     i64 dilation, Padding padding, i64 pad_before, i64 pad_after,
                     const char* kernel_word = "kernel");

// NHWC input (batch, in_h, in_w, in_c), HWIO filter (kernel_h, kernel_w, in_c, out_c),
// NHWC output (batch, out_h, out_w, out_c).
struct Conv2dShape {
  i64 batch, in_h, in_w, in_c;
  i64 kernel_h, kernel_w, out_c;
  i64 stride_h, stride_w, dilation_h, dilation_w;
  i64 pad_top, pad_bottom, pad_left, pad_right;
  i64 out_h, out_w;

  i64 input_size() const { return batch * in_h * in_w * in_c; }
  i64 output_size() const { return batch * out_h * out_w * out_c; }
  i64 filter_size() const { return kernel_h * kernel_w * in_c * out_c; }
  i64 out_pixels() const { return batch * out_h * out_w; }       // GEMM M of the forward pass
  i64 patch_size() const { return kernel_h * kernel_w * in_c; }  // GEMM K of the forward pass
};

struct Conv2dParams {
  i64 stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::valid;
  i64 pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // explicit padding only
};

Conv2dShape make_conv2d_shape(const std::string& op, i64 batch, i64 in_h, i64 in_w, i64 in_c,
                              i64 kernel_h, i64 kernel_w, i64 out_c, const Conv2dParams& p);

// NHWC pooling. Padded cells never win a max and are not counted by an average.
struct Pool2dShape {
  i64 batch, in_h, in_w, channels;
  i64 pool_h, pool_w, stride_h, stride_w;
  i64 pad_top, pad_left;
  i64 out_h, out_w;

  i64 input_size() const { return batch * in_h * in_w * channels; }
  i64 output_size() const { return batch * out_h * out_w * channels; }
};

Pool2dShape make_pool2d_shape(const std::string& op, i64 batch, i64 in_h, i64 in_w, i64 channels,
                              i64 pool_h, i64 pool_w, i64 stride_h, i64 stride_w, Padding padding);

}  // namespace ember
