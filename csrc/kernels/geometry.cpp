#include "kernels/geometry.h"

#include <stdexcept>

#include "common/checked_math.h"

namespace ember {
namespace {

[[noreturn]] void fail(const std::string& op, const std::string& message) {
  throw std::invalid_argument(op + ": " + message);
}

void require_positive(const std::string& op, const std::string& what, i64 value) {
  if (value < 1) fail(op, what + " must be >= 1, received " + std::to_string(value));
}

}  // namespace

Window1d make_window(const std::string& op, const char* axis, i64 in, i64 kernel, i64 stride,
                     i64 dilation, Padding padding, i64 pad_before, i64 pad_after,
                     const char* kernel_word) {
  const std::string ax(axis);
  const std::string kw(kernel_word);
  require_positive(op, "input " + ax, in);
  require_positive(op, kw + " " + ax, kernel);
  require_positive(op, "stride along " + ax, stride);
  require_positive(op, "dilation along " + ax, dilation);
  Window1d w;
  w.in = in;
  w.kernel = kernel;
  w.stride = stride;
  w.dilation = dilation;
  // Extent of the dilated kernel, d * (k - 1) + 1.
  const i64 extent = checked_add(checked_mul(dilation, kernel - 1, op.c_str()), 1, op.c_str());
  switch (padding) {
    case Padding::valid:
      if (extent > in) {
        fail(op, kw + " " + ax + " " + std::to_string(kernel) + " (dilation " +
                     std::to_string(dilation) + ", extent " + std::to_string(extent) +
                     ") is larger than the input " + ax + " " + std::to_string(in) +
                     " with padding 'valid'");
      }
      w.out = (in - extent) / stride + 1;
      break;
    case Padding::same: {
      w.out = ceil_div(in, stride);
      const i64 needed =
          checked_add(checked_mul(w.out - 1, stride, op.c_str()), extent, op.c_str()) - in;
      const i64 total = needed > 0 ? needed : 0;
      w.pad_before = total / 2;
      w.pad_after = total - w.pad_before;
      break;
    }
    case Padding::explicit_pads: {
      if (pad_before < 0 || pad_after < 0) {
        fail(op, "padding along " + ax + " must be >= 0, received (" + std::to_string(pad_before) +
                     ", " + std::to_string(pad_after) + ")");
      }
      const i64 padded =
          checked_add(checked_add(in, pad_before, op.c_str()), pad_after, op.c_str());
      if (extent > padded) {
        fail(op, kw + " " + ax + " " + std::to_string(kernel) + " (dilation " +
                     std::to_string(dilation) + ", extent " + std::to_string(extent) +
                     ") is larger than the padded input " + ax + " " + std::to_string(padded));
      }
      w.pad_before = pad_before;
      w.pad_after = pad_after;
      w.out = (padded - extent) / stride + 1;
      break;
    }
  }
  return w;
}

Conv2dShape make_conv2d_shape(const std::string& op, i64 batch, i64 in_h, i64 in_w, i64 in_c,
                              i64 kernel_h, i64 kernel_w, i64 out_c, const Conv2dParams& p) {
  require_positive(op, "batch size", batch);
  require_positive(op, "input channels", in_c);
  require_positive(op, "filters (output channels)", out_c);
  const Window1d h = make_window(op, "height", in_h, kernel_h, p.stride_h, p.dilation_h, p.padding,
                                 p.pad_top, p.pad_bottom);
  const Window1d w = make_window(op, "width", in_w, kernel_w, p.stride_w, p.dilation_w, p.padding,
                                 p.pad_left, p.pad_right);
  Conv2dShape s{};
  s.batch = batch;
  s.in_h = in_h;
  s.in_w = in_w;
  s.in_c = in_c;
  s.kernel_h = kernel_h;
  s.kernel_w = kernel_w;
  s.out_c = out_c;
  s.stride_h = h.stride;
  s.stride_w = w.stride;
  s.dilation_h = h.dilation;
  s.dilation_w = w.dilation;
  s.pad_top = h.pad_before;
  s.pad_bottom = h.pad_after;
  s.pad_left = w.pad_before;
  s.pad_right = w.pad_after;
  s.out_h = h.out;
  s.out_w = w.out;
  // Every size the kernels index or allocate must fit in int64.
  const char* what = op.c_str();
  checked_product(what, batch, in_h, in_w, in_c);
  checked_product(what, batch, s.out_h, s.out_w, out_c);
  checked_product(what, kernel_h, kernel_w, in_c, out_c);
  checked_product(what, batch, s.out_h, s.out_w, kernel_h, kernel_w, in_c);
  return s;
}

Pool2dShape make_pool2d_shape(const std::string& op, i64 batch, i64 in_h, i64 in_w, i64 channels,
                              i64 pool_h, i64 pool_w, i64 stride_h, i64 stride_w, Padding padding) {
  if (padding == Padding::explicit_pads) fail(op, "padding must be 'valid' or 'same'");
  require_positive(op, "batch size", batch);
  require_positive(op, "channels", channels);
  const Window1d h =
      make_window(op, "height", in_h, pool_h, stride_h, 1, padding, 0, 0, "pool size");
  const Window1d w =
      make_window(op, "width", in_w, pool_w, stride_w, 1, padding, 0, 0, "pool size");
  Pool2dShape s{};
  s.batch = batch;
  s.in_h = in_h;
  s.in_w = in_w;
  s.channels = channels;
  s.pool_h = pool_h;
  s.pool_w = pool_w;
  s.stride_h = stride_h;
  s.stride_w = stride_w;
  s.pad_top = h.pad_before;
  s.pad_left = w.pad_before;
  s.out_h = h.out;
  s.out_w = w.out;
  const char* what = op.c_str();
  checked_product(what, batch, in_h, in_w, channels);
  checked_product(what, batch, s.out_h, s.out_w, channels);
  // Max-pool indices are int32 positions within one image plane.
  if (checked_mul(in_h, in_w, what) > 2147483647) {
    fail(op, "input height * width must be < 2^31, received " + std::to_string(in_h) + " * " +
                 std::to_string(in_w));
  }
  return s;
}

}  // namespace ember
