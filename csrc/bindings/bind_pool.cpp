// Max/average pooling and global pooling, forward and backward, on NHWC arrays.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/args.h"
#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"
#include "common/checked_math.h"

namespace ember::bindings {
namespace {

constexpr const char* kNHWC = "(batch, height, width, channels)";

Pool2dShape pool_shape(const std::string& op, const Shape& xs, py::handle pool_size,
                       py::handle strides, py::handle padding) {
  const auto [ph, pw] = parse_pair(pool_size, op, "pool_size");
  // Keras: strides=None means strides = pool_size.
  const auto [sh, sw] =
      strides.is_none() ? std::pair<i64, i64>{ph, pw} : parse_pair(strides, op, "strides");
  const PaddingArg pad = parse_padding(padding, op, false);
  return make_pool2d_shape(op, xs[0], xs[1], xs[2], xs[3], ph, pw, sh, sw, pad.mode);
}

// Shape of the forward input, from an NHWC array or an input_shape tuple.
Shape input_shape_of(py::handle obj, const std::string& op) {
  return parse_shape(obj, 4, op, "input_shape");
}

py::object max_forward(const PoolKernels& k, py::handle x_obj, py::handle pool_size,
                       py::handle strides, py::handle padding, bool return_indices,
                       py::handle out) {
  const std::string op = "max_pool2d";
  py::array raw = as_real_array(x_obj, op, "input");
  require_rank(raw, 4, op, "input", kNHWC);
  const Pool2dShape s = pool_shape(op, shape_of(raw), pool_size, strides, padding);
  Float32 x = to_float32(raw, op, "input");
  const Shape ys{s.batch, s.out_h, s.out_w, s.channels};
  Float32 y = float_output(ys, out, op);
  Int32 idx;
  if (return_indices) idx = index_output(ys, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  std::int32_t* ip = return_indices ? idx.mutable_data() : nullptr;
  {
    py::gil_scoped_release release;
    k.max_forward(s, xp, yp, ip);
  }
  if (return_indices) return py::make_tuple(y, idx);
  return std::move(y);
}

py::array max_backward(const PoolKernels& k, py::handle dy_obj, py::handle indices,
                       py::handle input_shape, py::handle pool_size, py::handle strides,
                       py::handle padding, py::handle out) {
  const std::string op = "max_pool2d_backward";
  const Shape xs = input_shape_of(input_shape, op);
  const Pool2dShape s = pool_shape(op, xs, pool_size, strides, padding);
  py::array raw = as_real_array(dy_obj, op, "output gradient");
  const Shape ys{s.batch, s.out_h, s.out_w, s.channels};
  require_shape(shape_of(raw), ys, op, "output gradient");
  Int32 idx = to_indices(indices, ys, s.in_h * s.in_w, op);
  Float32 dy = to_float32(raw, op, "output gradient");
  Float32 dx = float_output(xs, out, op);
  const float* dyp = dy.data();
  const std::int32_t* ip = idx.data();
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    k.max_backward(s, dyp, ip, dxp);
  }
  return std::move(dx);
}

py::array avg_forward(const PoolKernels& k, py::handle x_obj, py::handle pool_size,
                      py::handle strides, py::handle padding, py::handle out) {
  const std::string op = "avg_pool2d";
  py::array raw = as_real_array(x_obj, op, "input");
  require_rank(raw, 4, op, "input", kNHWC);
  const Pool2dShape s = pool_shape(op, shape_of(raw), pool_size, strides, padding);
  Float32 x = to_float32(raw, op, "input");
  Float32 y = float_output({s.batch, s.out_h, s.out_w, s.channels}, out, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  {
    py::gil_scoped_release release;
    k.avg_forward(s, xp, yp);
  }
  return std::move(y);
}

py::array avg_backward(const PoolKernels& k, py::handle dy_obj, py::handle input_shape,
                       py::handle pool_size, py::handle strides, py::handle padding,
                       py::handle out) {
  const std::string op = "avg_pool2d_backward";
  const Shape xs = input_shape_of(input_shape, op);
  const Pool2dShape s = pool_shape(op, xs, pool_size, strides, padding);
  py::array raw = as_real_array(dy_obj, op, "output gradient");
  require_shape(shape_of(raw), {s.batch, s.out_h, s.out_w, s.channels}, op, "output gradient");
  Float32 dy = to_float32(raw, op, "output gradient");
  Float32 dx = float_output(xs, out, op);
  const float* dyp = dy.data();
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    k.avg_backward(s, dyp, dxp);
  }
  return std::move(dx);
}

// (batch, plane, channels) of an NHWC input for global pooling, validated.
struct Plane {
  i64 batch, plane, channels;
};

Plane global_dims(const Shape& xs, const std::string& op, bool is_max) {
  for (i64 d : xs) {
    if (d < 1) {
      throw py::value_error(op + ": every input dimension must be >= 1, received shape " +
                            shape_str(xs));
    }
  }
  const i64 plane = checked_mul(xs[1], xs[2], op.c_str());
  checked_product(op.c_str(), xs[0], plane, xs[3]);
  if (is_max && plane > 2147483647) {  // positions are stored as int32
    throw py::value_error(op + ": height * width must be < 2^31, received shape " + shape_str(xs));
  }
  return {xs[0], plane, xs[3]};
}

py::object global_forward(const PoolKernels& k, bool is_max, py::handle x_obj, bool return_indices,
                          py::handle out) {
  const std::string op = is_max ? "global_max_pool2d" : "global_avg_pool2d";
  py::array raw = as_real_array(x_obj, op, "input");
  require_rank(raw, 4, op, "input", kNHWC);
  const Plane d = global_dims(shape_of(raw), op, is_max);
  Float32 x = to_float32(raw, op, "input");
  Float32 y = float_output({d.batch, d.channels}, out, op);
  Int32 idx;
  if (is_max && return_indices) idx = index_output({d.batch, d.channels}, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  std::int32_t* ip = is_max && return_indices ? idx.mutable_data() : nullptr;
  {
    py::gil_scoped_release release;
    if (is_max) {
      k.global_max_forward(d.batch, d.plane, d.channels, xp, yp, ip);
    } else {
      k.global_avg_forward(d.batch, d.plane, d.channels, xp, yp);
    }
  }
  if (is_max && return_indices) return py::make_tuple(y, idx);
  return std::move(y);
}

py::array global_backward(const PoolKernels& k, bool is_max, py::handle dy_obj, py::handle indices,
                          py::handle input_shape, py::handle out) {
  const std::string op = is_max ? "global_max_pool2d_backward" : "global_avg_pool2d_backward";
  const Shape xs = input_shape_of(input_shape, op);
  const Plane d = global_dims(xs, op, is_max);
  py::array raw = as_real_array(dy_obj, op, "output gradient");
  require_shape(shape_of(raw), {d.batch, d.channels}, op, "output gradient");
  Int32 idx;
  if (is_max) idx = to_indices(indices, {d.batch, d.channels}, d.plane, op);
  Float32 dy = to_float32(raw, op, "output gradient");
  Float32 dx = float_output(xs, out, op);
  const float* dyp = dy.data();
  const std::int32_t* ip = is_max ? idx.data() : nullptr;
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    if (is_max) {
      k.global_max_backward(d.batch, d.plane, d.channels, dyp, ip, dxp);
    } else {
      k.global_avg_backward(d.batch, d.plane, d.channels, dyp, dxp);
    }
  }
  return std::move(dx);
}

}  // namespace

void bind_pool(py::module_& m, const PoolKernels& k) {
  m.def(
      "max_pool2d_forward",
      [k](py::handle x, py::handle pool_size, py::handle strides, py::handle padding,
          bool return_indices, py::handle out) {
        return max_forward(k, x, pool_size, strides, padding, return_indices, out);
      },
      py::arg("x"), py::kw_only(), py::arg("pool_size") = 2, py::arg("strides") = py::none(),
      py::arg("padding") = "valid", py::arg("return_indices") = false, py::arg("out") = py::none(),
      "Max pooling (NHWC). With return_indices, also the int32 position iy * W + ix each\n"
      "output took: the first maximum in row-major window order (NaN propagates).");
  m.def(
      "max_pool2d_backward",
      [k](py::handle dy, py::handle indices, py::handle input_shape, py::handle pool_size,
          py::handle strides, py::handle padding, py::handle out) {
        return max_backward(k, dy, indices, input_shape, pool_size, strides, padding, out);
      },
      py::arg("dy"), py::arg("indices"), py::arg("input_shape"), py::kw_only(),
      py::arg("pool_size") = 2, py::arg("strides") = py::none(), py::arg("padding") = "valid",
      py::arg("out") = py::none(),
      "Routes each output gradient to the one input position recorded by the forward pass.");
  m.def(
      "avg_pool2d_forward",
      [k](py::handle x, py::handle pool_size, py::handle strides, py::handle padding,
          py::handle out) { return avg_forward(k, x, pool_size, strides, padding, out); },
      py::arg("x"), py::kw_only(), py::arg("pool_size") = 2, py::arg("strides") = py::none(),
      py::arg("padding") = "valid", py::arg("out") = py::none(),
      "Average pooling (NHWC); 'same' divides by the number of real cells in each window.");
  m.def(
      "avg_pool2d_backward",
      [k](py::handle dy, py::handle input_shape, py::handle pool_size, py::handle strides,
          py::handle padding, py::handle out) {
        return avg_backward(k, dy, input_shape, pool_size, strides, padding, out);
      },
      py::arg("dy"), py::arg("input_shape"), py::kw_only(), py::arg("pool_size") = 2,
      py::arg("strides") = py::none(), py::arg("padding") = "valid", py::arg("out") = py::none(),
      "Gradient of avg_pool2d_forward.");
  m.def(
      "global_avg_pool2d_forward",
      [k](py::handle x, py::handle out) { return global_forward(k, false, x, false, out); },
      py::arg("x"), py::kw_only(), py::arg("out") = py::none(),
      "Mean over height and width: (N, H, W, C) -> (N, C).");
  m.def(
      "global_avg_pool2d_backward",
      [k](py::handle dy, py::handle input_shape, py::handle out) {
        return global_backward(k, false, dy, py::none(), input_shape, out);
      },
      py::arg("dy"), py::arg("input_shape"), py::kw_only(), py::arg("out") = py::none(),
      "Gradient of global_avg_pool2d_forward.");
  m.def(
      "global_max_pool2d_forward",
      [k](py::handle x, bool return_indices, py::handle out) {
        return global_forward(k, true, x, return_indices, out);
      },
      py::arg("x"), py::kw_only(), py::arg("return_indices") = false, py::arg("out") = py::none(),
      "Max over height and width: (N, H, W, C) -> (N, C); indices are positions iy * W + ix.");
  m.def(
      "global_max_pool2d_backward",
      [k](py::handle dy, py::handle indices, py::handle input_shape, py::handle out) {
        return global_backward(k, true, dy, indices, input_shape, out);
      },
      py::arg("dy"), py::arg("indices"), py::arg("input_shape"), py::kw_only(),
      py::arg("out") = py::none(), "Gradient of global_max_pool2d_forward.");
}

}  // namespace ember::bindings
