// The layer kernels on device arrays, with the names, arguments and checks of their ember._C
// counterparts (csrc/bindings/bind_*.cpp), so ember's ops call either table the same way. The
// CPU bindings' `out=` arguments are not offered: every call returns new arrays.
#include <pybind11/stl.h>

#include <cmath>
#include <optional>

#include "bindings/args.h"
#include "bindings/arrays.h"
#include "bindings/cuda/device_array.h"
#include "bindings/cuda/modules.h"
#include "common/checked_math.h"
#include "cuda/kernels.h"
#include "kernels/activation.h"

namespace ember::cuda_bindings {
namespace {

using bindings::conv_params;
using bindings::ConvArgs;
using bindings::PaddingArg;
using bindings::parse_act_fn;
using bindings::parse_activation;
using bindings::parse_padding;
using bindings::parse_pair;

constexpr const char* kNHWC = "(batch, height, width, channels)";
constexpr const char* kHWIO = "(kernel_height, kernel_width, in_channels, filters)";

i64 size_of(const Shape& s) {
  i64 n = 1;
  for (i64 d : s) n *= d;
  return n;
}

Shape parse_shape(py::handle obj, int rank, const std::string& op, const char* name) {
  return bindings::parse_shape(obj, rank, op, name);
}

// ------------------------------------------------------------------------------ gemm
py::object gemm(py::handle a_obj, py::handle b_obj, bool trans_a, bool trans_b, float alpha,
                float beta, py::handle c_obj, py::handle bias_obj, py::handle activation) {
  const std::string op = "gemm";
  const DeviceArray& a = float_arg(a_obj, op, "a");
  const DeviceArray& b = float_arg(b_obj, op, "b");
  require_rank(a, 2, op, "a", "(rows, cols)");
  require_rank(b, 2, op, "b", "(rows, cols)");
  const Shape &as = a.shape(), &bs = b.shape();
  const i64 m = trans_a ? as[1] : as[0];
  const i64 k = trans_a ? as[0] : as[1];
  const i64 kb = trans_b ? bs[1] : bs[0];
  const i64 n = trans_b ? bs[0] : bs[1];
  if (k != kb) {
    throw py::value_error("gemm: inner dimensions differ: op(a) is " + shape_str({m, k}) +
                          " and op(b) is " + shape_str({kb, n}));
  }
  if (m < 1 || n < 1 || k < 1) {
    throw py::value_error("gemm: every dimension must be >= 1; received op(a) " +
                          shape_str({m, k}) + ", op(b) " + shape_str({kb, n}));
  }
  const Activation act = parse_activation(activation, op);
  if (c_obj.is_none() && beta != 0.0f) {
    throw py::value_error("gemm: beta is " + std::to_string(beta) + " but no c was given");
  }
  const DeviceArray* bias = optional_float(bias_obj, op, "bias");
  if (bias != nullptr) require_shape(bias->shape(), {n}, op, "bias");
  py::object result;
  float* cp = nullptr;
  if (c_obj.is_none()) {
    DeviceArray c = new_float({m, n});
    cp = c.f32();
    result = py::cast(std::move(c));
  } else {
    const DeviceArray& c = float_arg(c_obj, op, "c");
    require_shape(c.shape(), {m, n}, op, "c");
    cp = c.f32();
    result = py::reinterpret_borrow<py::object>(c_obj);
  }
  py::gil_scoped_release release;
  cuda::gemm(trans_a, trans_b, m, n, k, alpha, a.f32(), as[1], b.f32(), bs[1], beta, cp, n,
             bias ? bias->f32() : nullptr, act);
  return result;
}

DeviceArray column_sums(py::handle x_obj) {
  const std::string op = "column_sums";
  const DeviceArray& x = float_arg(x_obj, op, "x");
  require_rank(x, 2, op, "x", "(rows, cols)");
  DeviceArray out = new_float({x.shape()[1]});
  py::gil_scoped_release release;
  cuda::column_sums(x.f32(), x.shape()[0], x.shape()[1], out.f32());
  return out;
}

// ------------------------------------------------------------------------------ conv2d
void require_channels(i64 have, i64 want, const std::string& op, const Shape& kernel_shape,
                      const Shape& other_shape) {
  if (have != want) {
    throw py::value_error(op + ": kernel " + shape_str(kernel_shape) + " expects " +
                          std::to_string(want) + " input channels, but received " +
                          std::to_string(have) + " (shape " + shape_str(other_shape) + ")");
  }
}

DeviceArray conv_forward(py::handle x_obj, py::handle w_obj, py::handle bias_obj,
                         const ConvArgs& args, py::handle activation) {
  const std::string op = "conv2d";
  const Conv2dParams params = conv_params(args, op);
  const Activation act = parse_activation(activation, op);
  const DeviceArray& x = float_arg(x_obj, op, "input");
  const DeviceArray& w = float_arg(w_obj, op, "kernel");
  require_rank(x, 4, op, "input", kNHWC);
  require_rank(w, 4, op, "kernel", kHWIO);
  const Shape &xs = x.shape(), &ws = w.shape();
  if (xs[3] >= 1 && ws[2] >= 1) require_channels(xs[3], ws[2], op, ws, xs);
  const Conv2dShape s =
      make_conv2d_shape(op, xs[0], xs[1], xs[2], xs[3], ws[0], ws[1], ws[3], params);
  const DeviceArray* bias = optional_float(bias_obj, op, "bias");
  if (bias != nullptr) {
    require_shape(bias->shape(), {s.out_c}, op, "bias", " (one value per filter)");
  }
  DeviceArray y = new_float({s.batch, s.out_h, s.out_w, s.out_c});
  py::gil_scoped_release release;
  cuda::conv2d_forward(s, x.f32(), w.f32(), bias ? bias->f32() : nullptr, act, y.f32());
  return y;
}

DeviceArray conv_backward_input(py::handle dy_obj, py::handle w_obj, py::handle input_shape,
                                const ConvArgs& args) {
  const std::string op = "conv2d_backward_input";
  const Conv2dParams params = conv_params(args, op);
  const Shape xs = parse_shape(input_shape, 4, op, "input_shape");
  const DeviceArray& dy = float_arg(dy_obj, op, "output gradient");
  const DeviceArray& w = float_arg(w_obj, op, "kernel");
  require_rank(dy, 4, op, "output gradient", kNHWC);
  require_rank(w, 4, op, "kernel", kHWIO);
  const Shape& ws = w.shape();
  require_channels(xs[3], ws[2], op, ws, xs);
  const Conv2dShape s =
      make_conv2d_shape(op, xs[0], xs[1], xs[2], xs[3], ws[0], ws[1], ws[3], params);
  require_shape(dy.shape(), {s.batch, s.out_h, s.out_w, s.out_c}, op, "output gradient",
                " for input_shape " + shape_str(xs) + " and kernel " + shape_str(ws));
  DeviceArray dx = new_float(xs);
  py::gil_scoped_release release;
  cuda::conv2d_backward_input(s, dy.f32(), w.f32(), dx.f32());
  return dx;
}

DeviceArray conv_backward_weight(py::handle x_obj, py::handle dy_obj, py::handle kernel_size,
                                 const ConvArgs& args) {
  const std::string op = "conv2d_backward_weight";
  const Conv2dParams params = conv_params(args, op);
  const auto [kh, kw] = parse_pair(kernel_size, op, "kernel_size");
  const DeviceArray& x = float_arg(x_obj, op, "input");
  const DeviceArray& dy = float_arg(dy_obj, op, "output gradient");
  require_rank(x, 4, op, "input", kNHWC);
  require_rank(dy, 4, op, "output gradient", kNHWC);
  const Shape &xs = x.shape(), &ds = dy.shape();
  const Conv2dShape s = make_conv2d_shape(op, xs[0], xs[1], xs[2], xs[3], kh, kw, ds[3], params);
  require_shape(ds, {s.batch, s.out_h, s.out_w, s.out_c}, op, "output gradient",
                " for input " + shape_str(xs));
  DeviceArray dw = new_float({kh, kw, s.in_c, s.out_c});
  py::gil_scoped_release release;
  cuda::conv2d_backward_weight(s, x.f32(), dy.f32(), dw.f32());
  return dw;
}

DeviceArray conv_backward_bias(py::handle dy_obj) {
  const std::string op = "conv2d_backward_bias";
  const DeviceArray& dy = float_arg(dy_obj, op, "output gradient");
  require_rank(dy, 4, op, "output gradient", kNHWC);
  const Shape& ds = dy.shape();
  for (i64 d : ds) {
    if (d < 1) {
      throw py::value_error(op + ": every dimension must be >= 1, received shape " + shape_str(ds));
    }
  }
  const Conv2dShape s = make_conv2d_shape(op, ds[0], ds[1], ds[2], 1, 1, 1, ds[3], {});
  DeviceArray db = new_float({s.out_c});
  py::gil_scoped_release release;
  cuda::conv2d_backward_bias(s, dy.f32(), db.f32());
  return db;
}

// ------------------------------------------------------------------------------ pooling
Pool2dShape pool_shape(const std::string& op, const Shape& xs, py::handle pool_size,
                       py::handle strides, py::handle padding) {
  const auto [ph, pw] = parse_pair(pool_size, op, "pool_size");
  const auto [sh, sw] =
      strides.is_none() ? std::pair<i64, i64>{ph, pw} : parse_pair(strides, op, "strides");
  const PaddingArg pad = parse_padding(padding, op, false);
  return make_pool2d_shape(op, xs[0], xs[1], xs[2], xs[3], ph, pw, sh, sw, pad.mode);
}

const DeviceArray& index_arg(py::handle obj, const Shape& shape, const std::string& op) {
  const DeviceArray& idx = device_arg(obj, op, "indices");
  if (idx.dtype() != DType::int32) {
    throw py::type_error(op + ": indices must be the int32 array of the forward pass, received " +
                         std::string(dtype_name(idx.dtype())));
  }
  require_shape(idx.shape(), shape, op, "indices", " (the forward output's)");
  return idx;
}

py::object max_forward(py::handle x_obj, py::handle pool_size, py::handle strides,
                       py::handle padding, bool return_indices) {
  const std::string op = "max_pool2d";
  const DeviceArray& x = float_arg(x_obj, op, "input");
  require_rank(x, 4, op, "input", kNHWC);
  const Pool2dShape s = pool_shape(op, x.shape(), pool_size, strides, padding);
  const Shape ys{s.batch, s.out_h, s.out_w, s.channels};
  DeviceArray y = new_float(ys);
  DeviceArray idx;
  if (return_indices) idx = DeviceArray(ys, DType::int32);
  {
    py::gil_scoped_release release;
    cuda::max_pool2d_forward(s, x.f32(), y.f32(), return_indices ? idx.i32() : nullptr);
  }
  if (return_indices) return py::make_tuple(std::move(y), std::move(idx));
  return py::cast(std::move(y));
}

DeviceArray max_backward(py::handle dy_obj, py::handle indices, py::handle input_shape,
                         py::handle pool_size, py::handle strides, py::handle padding) {
  const std::string op = "max_pool2d_backward";
  const Shape xs = parse_shape(input_shape, 4, op, "input_shape");
  const Pool2dShape s = pool_shape(op, xs, pool_size, strides, padding);
  const Shape ys{s.batch, s.out_h, s.out_w, s.channels};
  const DeviceArray& dy = float_arg(dy_obj, op, "output gradient");
  require_shape(dy.shape(), ys, op, "output gradient");
  const DeviceArray& idx = index_arg(indices, ys, op);
  DeviceArray dx = new_float(xs);
  py::gil_scoped_release release;
  cuda::max_pool2d_backward(s, dy.f32(), idx.i32(), dx.f32());
  return dx;
}

DeviceArray avg_forward(py::handle x_obj, py::handle pool_size, py::handle strides,
                        py::handle padding) {
  const std::string op = "avg_pool2d";
  const DeviceArray& x = float_arg(x_obj, op, "input");
  require_rank(x, 4, op, "input", kNHWC);
  const Pool2dShape s = pool_shape(op, x.shape(), pool_size, strides, padding);
  DeviceArray y = new_float({s.batch, s.out_h, s.out_w, s.channels});
  py::gil_scoped_release release;
  cuda::avg_pool2d_forward(s, x.f32(), y.f32());
  return y;
}

DeviceArray avg_backward(py::handle dy_obj, py::handle input_shape, py::handle pool_size,
                         py::handle strides, py::handle padding) {
  const std::string op = "avg_pool2d_backward";
  const Shape xs = parse_shape(input_shape, 4, op, "input_shape");
  const Pool2dShape s = pool_shape(op, xs, pool_size, strides, padding);
  const DeviceArray& dy = float_arg(dy_obj, op, "output gradient");
  require_shape(dy.shape(), {s.batch, s.out_h, s.out_w, s.channels}, op, "output gradient");
  DeviceArray dx = new_float(xs);
  py::gil_scoped_release release;
  cuda::avg_pool2d_backward(s, dy.f32(), dx.f32());
  return dx;
}

py::object global_forward(bool is_max, py::handle x_obj, bool return_indices) {
  const std::string op = is_max ? "global_max_pool2d" : "global_avg_pool2d";
  const DeviceArray& x = float_arg(x_obj, op, "input");
  require_rank(x, 4, op, "input", kNHWC);
  const Shape& xs = x.shape();
  for (i64 d : xs) {
    if (d < 1) {
      throw py::value_error(op + ": every dimension must be >= 1, received shape " + shape_str(xs));
    }
  }
  const i64 plane = checked_mul(xs[1], xs[2], op.c_str());
  DeviceArray y = new_float({xs[0], xs[3]});
  DeviceArray idx;
  if (is_max && return_indices) idx = DeviceArray({xs[0], xs[3]}, DType::int32);
  {
    py::gil_scoped_release release;
    if (is_max) {
      cuda::global_max_pool2d_forward(xs[0], plane, xs[3], x.f32(), y.f32(),
                                      return_indices ? idx.i32() : nullptr);
    } else {
      cuda::global_avg_pool2d_forward(xs[0], plane, xs[3], x.f32(), y.f32());
    }
  }
  if (is_max && return_indices) return py::make_tuple(std::move(y), std::move(idx));
  return py::cast(std::move(y));
}

DeviceArray global_backward(bool is_max, py::handle dy_obj, py::handle indices,
                            py::handle input_shape) {
  const std::string op = is_max ? "global_max_pool2d_backward" : "global_avg_pool2d_backward";
  const Shape xs = parse_shape(input_shape, 4, op, "input_shape");
  const DeviceArray& dy = float_arg(dy_obj, op, "output gradient");
  require_shape(dy.shape(), {xs[0], xs[3]}, op, "output gradient");
  const i64 plane = checked_mul(xs[1], xs[2], op.c_str());
  const DeviceArray* idx = is_max ? &index_arg(indices, {xs[0], xs[3]}, op) : nullptr;
  DeviceArray dx = new_float(xs);
  py::gil_scoped_release release;
  if (is_max) {
    cuda::global_max_pool2d_backward(xs[0], plane, xs[3], dy.f32(), idx->i32(), dx.f32());
  } else {
    cuda::global_avg_pool2d_backward(xs[0], plane, xs[3], dy.f32(), dx.f32());
  }
  return dx;
}

// ------------------------------------------------------------------------------ activations
DeviceArray act_forward(py::handle x_obj, py::handle name, float alpha) {
  const std::string op = "activation_forward";
  const ActFn fn = parse_act_fn(name, op);
  const DeviceArray& x = float_arg(x_obj, op, "x");
  DeviceArray y = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::activation_forward(fn, alpha, x.f32(), y.f32(), x.size());
  return y;
}

DeviceArray act_backward(py::handle dy_obj, py::handle x_obj, py::handle y_obj, py::handle name,
                         float alpha) {
  const std::string op = "activation_backward";
  const ActFn fn = parse_act_fn(name, op);
  const DeviceArray& dy = float_arg(dy_obj, op, "dy");
  ActSource source = ActSource::none;
  if (!activation_backward_source(fn, alpha, !x_obj.is_none(), !y_obj.is_none(), &source)) {
    const std::string label = "'" + name.cast<std::string>() + "'";
    if (activation_grad_from_y(fn, alpha)) {
      throw py::value_error(op + ": " + label + " needs x (the forward input) or y (the forward " +
                            "output); received x=None and y=None");
    }
    throw py::value_error(op + ": " + label +
                          " with alpha=" + std::string(py::str(py::float_(alpha))) +
                          " needs x (the forward input); received x=None" +
                          (y_obj.is_none() ? "" : " (y alone does not determine its gradient)"));
  }
  const DeviceArray* x =
      x_obj.is_none() ? nullptr : &same_shape_float(x_obj, dy.shape(), op, "x", "dy");
  const DeviceArray* y =
      y_obj.is_none() ? nullptr : &same_shape_float(y_obj, dy.shape(), op, "y", "dy");
  const float* sp = source == ActSource::x ? x->f32() : source == ActSource::y ? y->f32() : nullptr;
  DeviceArray dx = new_float(dy.shape());
  py::gil_scoped_release release;
  cuda::activation_backward(fn, alpha, source, dy.f32(), sp, dx.f32(), dy.size());
  return dx;
}

ReluParams relu_params(float negative_slope, std::optional<float> max_value, float threshold) {
  ReluParams p;
  p.negative_slope = negative_slope;
  p.has_max = max_value.has_value();
  p.max_value = max_value.value_or(0.0f);
  p.threshold = threshold;
  return p;
}

DeviceArray relu_forward(py::handle x_obj, const ReluParams& p) {
  const DeviceArray& x = float_arg(x_obj, "relu_forward", "x");
  DeviceArray y = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::relu_forward(p, x.f32(), y.f32(), x.size());
  return y;
}

DeviceArray relu_backward(py::handle dy_obj, py::handle x_obj, const ReluParams& p) {
  const std::string op = "relu_backward";
  const DeviceArray& dy = float_arg(dy_obj, op, "dy");
  const DeviceArray& x = same_shape_float(x_obj, dy.shape(), op, "x", "dy");
  DeviceArray dx = new_float(dy.shape());
  py::gil_scoped_release release;
  cuda::relu_backward(p, dy.f32(), x.f32(), dx.f32(), dy.size());
  return dx;
}

std::pair<i64, i64> last_axis_rows(const DeviceArray& a, const std::string& op, const char* name) {
  if (a.shape().empty()) {
    throw py::value_error(op + ": " + name + " must have rank >= 1 (softmax runs over the last " +
                          "axis); received shape ()");
  }
  const i64 cols = a.shape().back();
  return {cols == 0 ? 0 : a.size() / cols, cols};
}

DeviceArray softmax_forward(bool log, py::handle x_obj) {
  const std::string op = log ? "log_softmax_forward" : "softmax_forward";
  const DeviceArray& x = float_arg(x_obj, op, "x");
  const auto [rows, cols] = last_axis_rows(x, op, "x");
  DeviceArray y = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::softmax_forward(x.f32(), y.f32(), rows, cols, log);
  return y;
}

DeviceArray softmax_backward(bool log, py::handle dy_obj, py::handle y_obj) {
  const std::string op = log ? "log_softmax_backward" : "softmax_backward";
  const DeviceArray& dy = float_arg(dy_obj, op, "dy");
  const DeviceArray& y = same_shape_float(y_obj, dy.shape(), op, log ? "y_log" : "y", "dy");
  const auto [rows, cols] = last_axis_rows(dy, op, "dy");
  DeviceArray dx = new_float(dy.shape());
  py::gil_scoped_release release;
  cuda::softmax_backward(dy.f32(), y.f32(), dx.f32(), rows, cols, log);
  return dx;
}

// ------------------------------------------------------------------------------ dropout
DropoutMask parse_mask(double rate, py::handle seed, const std::string& op) {
  if (!(rate >= 0.0 && rate < 1.0)) {
    throw py::value_error(op + ": rate must be in [0, 1), received " +
                          std::string(py::str(py::float_(rate))));
  }
  if (PyBool_Check(seed.ptr()) || !PyLong_Check(seed.ptr())) {
    throw py::type_error(op + ": seed must be an int in [0, 2**64), received " +
                         std::string(py::str(py::repr(seed))));
  }
  const unsigned long long s = PyLong_AsUnsignedLongLong(seed.ptr());
  if (s == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error(op + ": seed must be an int in [0, 2**64), received " +
                          std::string(py::str(py::repr(seed))));
  }
  return make_dropout_mask(rate, static_cast<std::uint64_t>(s));
}

DeviceArray dropout(const std::string& op, const char* name, py::handle x_obj, double rate,
                    py::handle seed) {
  const DropoutMask mask = parse_mask(rate, seed, op);
  const DeviceArray& x = float_arg(x_obj, op, name);
  DeviceArray y = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::dropout_apply(mask, x.f32(), y.f32(), x.size());
  return y;
}

// ------------------------------------------------------------------------------ batch norm
const std::string kPerChannel = " (one value per channel, the last axis of x)";

BatchNormShape bn_shape(const DeviceArray& x, const std::string& op) {
  const Shape& shape = x.shape();
  if (shape.size() < 2) {
    throw py::value_error(op + ": x must have rank >= 2 (batch, ..., channels); received shape " +
                          shape_str(shape));
  }
  for (i64 d : shape) {
    if (d < 1) {
      throw py::value_error(op + ": every axis of x must be >= 1, received shape " +
                            shape_str(shape));
    }
  }
  return {x.size() / shape.back(), shape.back()};
}

void check_epsilon(double epsilon, const std::string& op) {
  if (!(epsilon >= 0.0) || std::isinf(epsilon)) {
    throw py::value_error(op + ": epsilon must be finite and >= 0, received " +
                          std::string(py::str(py::float_(epsilon))));
  }
}

const float* channel_vector(py::handle obj, i64 channels, const std::string& op, const char* name,
                            bool required) {
  if (obj.is_none()) {
    if (required) {
      throw py::type_error(op + ": " + name + " must be an array of shape " +
                           shape_str({channels}) + ", received None");
    }
    return nullptr;
  }
  const DeviceArray& v = float_arg(obj, op, name);
  require_shape(v.shape(), {channels}, op, name, kPerChannel);
  return v.f32();
}

py::tuple bn_train_forward(py::handle x_obj, py::handle gamma_obj, py::handle beta_obj,
                           double epsilon) {
  const std::string op = "batchnorm_train_forward";
  const DeviceArray& x = float_arg(x_obj, op, "x");
  const BatchNormShape s = bn_shape(x, op);
  check_epsilon(epsilon, op);
  const float* gp = channel_vector(gamma_obj, s.channels, op, "gamma", false);
  const float* bp = channel_vector(beta_obj, s.channels, op, "beta", false);
  DeviceArray y = new_float(x.shape()), mean = new_float({s.channels}),
              var = new_float({s.channels}), invstd = new_float({s.channels});
  {
    py::gil_scoped_release release;
    cuda::batchnorm_train_forward(s, x.f32(), gp, bp, static_cast<float>(epsilon), y.f32(),
                                  mean.f32(), var.f32(), invstd.f32());
  }
  return py::make_tuple(std::move(y), std::move(mean), std::move(var), std::move(invstd));
}

py::tuple bn_train_backward(py::handle dy_obj, py::handle x_obj, py::handle gamma_obj,
                            py::handle mean_obj, py::handle invstd_obj) {
  const std::string op = "batchnorm_train_backward";
  const DeviceArray& x = float_arg(x_obj, op, "x");
  const BatchNormShape s = bn_shape(x, op);
  const DeviceArray& dy = same_shape_float(dy_obj, x.shape(), op, "dy", "x");
  const float* gp = channel_vector(gamma_obj, s.channels, op, "gamma", false);
  const float* mp = channel_vector(mean_obj, s.channels, op, "mean", true);
  const float* ip = channel_vector(invstd_obj, s.channels, op, "invstd", true);
  DeviceArray dx = new_float(x.shape()), dgamma = new_float({s.channels}),
              dbeta = new_float({s.channels});
  {
    py::gil_scoped_release release;
    cuda::batchnorm_train_backward(s, dy.f32(), x.f32(), gp, mp, ip, dx.f32(), dgamma.f32(),
                                   dbeta.f32());
  }
  return py::make_tuple(std::move(dx), std::move(dgamma), std::move(dbeta));
}

DeviceArray bn_inference_forward(py::handle x_obj, py::handle gamma_obj, py::handle beta_obj,
                                 py::handle mean_obj, py::handle var_obj, double epsilon) {
  const std::string op = "batchnorm_inference_forward";
  const DeviceArray& x = float_arg(x_obj, op, "x");
  const BatchNormShape s = bn_shape(x, op);
  check_epsilon(epsilon, op);
  const float* gp = channel_vector(gamma_obj, s.channels, op, "gamma", false);
  const float* bp = channel_vector(beta_obj, s.channels, op, "beta", false);
  const float* mp = channel_vector(mean_obj, s.channels, op, "moving_mean", true);
  const float* vp = channel_vector(var_obj, s.channels, op, "moving_var", true);
  DeviceArray y = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::batchnorm_inference_forward(s, x.f32(), gp, bp, mp, vp, static_cast<float>(epsilon),
                                    y.f32());
  return y;
}

py::tuple bn_inference_backward(py::handle dy_obj, py::handle x_obj, py::handle gamma_obj,
                                py::handle mean_obj, py::handle var_obj, double epsilon) {
  const std::string op = "batchnorm_inference_backward";
  const DeviceArray& x = float_arg(x_obj, op, "x");
  const BatchNormShape s = bn_shape(x, op);
  check_epsilon(epsilon, op);
  const DeviceArray& dy = same_shape_float(dy_obj, x.shape(), op, "dy", "x");
  const float* gp = channel_vector(gamma_obj, s.channels, op, "gamma", false);
  const float* mp = channel_vector(mean_obj, s.channels, op, "moving_mean", true);
  const float* vp = channel_vector(var_obj, s.channels, op, "moving_var", true);
  DeviceArray dx = new_float(x.shape()), dgamma = new_float({s.channels}),
              dbeta = new_float({s.channels});
  {
    py::gil_scoped_release release;
    cuda::batchnorm_inference_backward(s, dy.f32(), x.f32(), gp, mp, vp,
                                       static_cast<float>(epsilon), dx.f32(), dgamma.f32(),
                                       dbeta.f32());
  }
  return py::make_tuple(std::move(dx), std::move(dgamma), std::move(dbeta));
}

// ------------------------------------------------------------------------------ losses
struct Targets {
  const DeviceArray* array = nullptr;
  bool labels = false;
};

Targets parse_targets(py::handle obj, i64 rows, i64 classes, const std::string& op) {
  Targets t;
  t.array = &device_arg(obj, op, "targets");
  if (t.array->dtype() == DType::int32) {
    throw py::type_error(op + ": integer targets on the device must be int64 class labels");
  }
  t.labels = t.array->dtype() == DType::int64;
  if (t.labels) {
    require_shape(t.array->shape(), {rows}, op, "targets",
                  " (integer targets are class labels, one per row of logits; pass one-hot or "
                  "probability targets as floats)");
  } else {
    require_shape(t.array->shape(), {rows, classes}, op, "targets",
                  " (float targets are per-class weights, the shape of logits)");
  }
  return t;
}

std::pair<i64, i64> class_rows(const DeviceArray& a, const std::string& op, const char* name) {
  require_rank(a, 2, op, name, "(batch, classes)");
  if (a.shape()[1] < 1) {
    throw py::value_error(op + ": " + name + " must have at least 1 class, received shape " +
                          shape_str(a.shape()));
  }
  return {a.shape()[0], a.shape()[1]};
}

py::tuple xent_forward(py::handle logits_obj, py::handle targets_obj) {
  const std::string op = "softmax_xent_forward";
  const DeviceArray& logits = float_arg(logits_obj, op, "logits");
  const auto [rows, classes] = class_rows(logits, op, "logits");
  const Targets t = parse_targets(targets_obj, rows, classes, op);
  DeviceArray loss = new_float({rows}), probs = new_float({rows, classes});
  i64 bad = -1;
  {
    py::gil_scoped_release release;
    if (t.labels) {
      bad = cuda::softmax_xent_forward_labels(logits.f32(), t.array->i64p(), rows, classes,
                                              loss.f32(), probs.f32());
    } else {
      cuda::softmax_xent_forward_dense(logits.f32(), t.array->f32(), rows, classes, loss.f32(),
                                       probs.f32());
    }
  }
  if (bad >= 0) {
    throw py::value_error(op + ": targets holds a label outside [0, " + std::to_string(classes) +
                          ") (the number of classes, the last axis of logits) at row " +
                          std::to_string(bad));
  }
  return py::make_tuple(std::move(loss), std::move(probs));
}

DeviceArray xent_backward(py::handle probs_obj, py::handle targets_obj, py::handle dloss_obj) {
  const std::string op = "softmax_xent_backward";
  const DeviceArray& probs = float_arg(probs_obj, op, "probs");
  const auto [rows, classes] = class_rows(probs, op, "probs");
  const Targets t = parse_targets(targets_obj, rows, classes, op);
  const DeviceArray& dloss = float_arg(dloss_obj, op, "dloss");
  require_shape(dloss.shape(), {rows}, op, "dloss", " (one per row of probs)");
  DeviceArray dx = new_float({rows, classes});
  py::gil_scoped_release release;
  if (t.labels) {
    cuda::softmax_xent_backward_labels(probs.f32(), t.array->i64p(), dloss.f32(), rows, classes,
                                       dx.f32());
  } else {
    cuda::softmax_xent_backward_dense(probs.f32(), t.array->f32(), dloss.f32(), rows, classes,
                                      dx.f32());
  }
  return dx;
}

DeviceArray sigmoid_forward(py::handle logits_obj, py::handle targets_obj) {
  const std::string op = "sigmoid_xent_forward";
  const DeviceArray& x = float_arg(logits_obj, op, "logits");
  const DeviceArray& t = same_shape_float(targets_obj, x.shape(), op, "targets", "logits");
  DeviceArray loss = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::sigmoid_xent_forward(x.f32(), t.f32(), loss.f32(), x.size());
  return loss;
}

DeviceArray sigmoid_backward(py::handle logits_obj, py::handle targets_obj, py::handle dloss_obj) {
  const std::string op = "sigmoid_xent_backward";
  const DeviceArray& x = float_arg(logits_obj, op, "logits");
  const DeviceArray& t = same_shape_float(targets_obj, x.shape(), op, "targets", "logits");
  const DeviceArray& g = same_shape_float(dloss_obj, x.shape(), op, "dloss", "logits");
  DeviceArray dx = new_float(x.shape());
  py::gil_scoped_release release;
  cuda::sigmoid_xent_backward(x.f32(), t.f32(), g.f32(), dx.f32(), x.size());
  return dx;
}

}  // namespace

void bind_nn(py::module_& m) {
  m.def("gemm", &gemm, py::arg("a"), py::arg("b"), py::kw_only(), py::arg("trans_a") = false,
        py::arg("trans_b") = false, py::arg("alpha") = 1.0f, py::arg("beta") = 0.0f,
        py::arg("c") = py::none(), py::arg("bias") = py::none(), py::arg("activation") = py::none(),
        "C = activation(alpha * op(a) @ op(b) + beta * C + bias) with cuBLAS (FP32); c, when\n"
        "given, is updated in place and returned.");
  m.def("column_sums", &column_sums, py::arg("x"),
        "Sums over the rows of a (rows, cols) array -> (cols,), in a fixed order.");
  m.def(
      "conv2d_forward",
      [](py::handle x, py::handle kernel, py::handle bias, py::handle strides, py::handle padding,
         py::handle dilation_rate, py::handle activation, int groups) {
        return conv_forward(x, kernel, bias, {strides, padding, dilation_rate, groups}, activation);
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::kw_only(),
      py::arg("strides") = 1, py::arg("padding") = "valid", py::arg("dilation_rate") = 1,
      py::arg("activation") = py::none(), py::arg("groups") = 1,
      "y = activation(conv2d(x, kernel) + bias): x NHWC, kernel HWIO, y NHWC (im2col + cuBLAS).");
  m.def(
      "conv2d_backward_input",
      [](py::handle dy, py::handle kernel, py::handle input_shape, py::handle strides,
         py::handle padding, py::handle dilation_rate, int groups) {
        return conv_backward_input(dy, kernel, input_shape,
                                   {strides, padding, dilation_rate, groups});
      },
      py::arg("dy"), py::arg("kernel"), py::arg("input_shape"), py::kw_only(),
      py::arg("strides") = 1, py::arg("padding") = "valid", py::arg("dilation_rate") = 1,
      py::arg("groups") = 1, "Gradient of conv2d with respect to its input (shape input_shape).");
  m.def(
      "conv2d_backward_weight",
      [](py::handle x, py::handle dy, py::handle kernel_size, py::handle strides,
         py::handle padding, py::handle dilation_rate, int groups) {
        return conv_backward_weight(x, dy, kernel_size, {strides, padding, dilation_rate, groups});
      },
      py::arg("x"), py::arg("dy"), py::arg("kernel_size"), py::kw_only(), py::arg("strides") = 1,
      py::arg("padding") = "valid", py::arg("dilation_rate") = 1, py::arg("groups") = 1,
      "Gradient of conv2d with respect to its HWIO kernel.");
  m.def("conv2d_backward_bias", &conv_backward_bias, py::arg("dy"),
        "Gradient of conv2d with respect to its bias: dy summed over batch, height and width.");

  m.def("max_pool2d_forward", &max_forward, py::arg("x"), py::kw_only(), py::arg("pool_size") = 2,
        py::arg("strides") = py::none(), py::arg("padding") = "valid",
        py::arg("return_indices") = false,
        "Max pooling (NHWC); with return_indices also the int32 position iy * W + ix taken.");
  m.def("max_pool2d_backward", &max_backward, py::arg("dy"), py::arg("indices"),
        py::arg("input_shape"), py::kw_only(), py::arg("pool_size") = 2,
        py::arg("strides") = py::none(), py::arg("padding") = "valid",
        "Routes each output gradient to the input position recorded by the forward pass.");
  m.def("avg_pool2d_forward", &avg_forward, py::arg("x"), py::kw_only(), py::arg("pool_size") = 2,
        py::arg("strides") = py::none(), py::arg("padding") = "valid",
        "Average pooling (NHWC); 'same' divides by the number of real cells in each window.");
  m.def("avg_pool2d_backward", &avg_backward, py::arg("dy"), py::arg("input_shape"), py::kw_only(),
        py::arg("pool_size") = 2, py::arg("strides") = py::none(), py::arg("padding") = "valid",
        "Gradient of avg_pool2d_forward.");
  m.def(
      "global_avg_pool2d_forward", [](py::handle x) { return global_forward(false, x, false); },
      py::arg("x"), "Mean over height and width: (N, H, W, C) -> (N, C).");
  m.def(
      "global_avg_pool2d_backward",
      [](py::handle dy, py::handle input_shape) {
        return global_backward(false, dy, py::none(), input_shape);
      },
      py::arg("dy"), py::arg("input_shape"), "Gradient of global_avg_pool2d_forward.");
  m.def(
      "global_max_pool2d_forward",
      [](py::handle x, bool return_indices) { return global_forward(true, x, return_indices); },
      py::arg("x"), py::kw_only(), py::arg("return_indices") = false,
      "Max over height and width: (N, H, W, C) -> (N, C).");
  m.def(
      "global_max_pool2d_backward",
      [](py::handle dy, py::handle indices, py::handle input_shape) {
        return global_backward(true, dy, indices, input_shape);
      },
      py::arg("dy"), py::arg("indices"), py::arg("input_shape"),
      "Gradient of global_max_pool2d_forward.");

  m.def("activation_forward", &act_forward, py::arg("x"), py::arg("name"), py::kw_only(),
        py::arg("alpha") = 0.0f,
        "y = f(x) elementwise (the names of ember._C.activation_forward).");
  m.def("activation_backward", &act_backward, py::arg("dy"), py::arg("x"), py::arg("y"),
        py::arg("name"), py::kw_only(), py::arg("alpha") = 0.0f,
        "dx = dy * f'(x), from x or y as ember._C.activation_backward.");
  m.def(
      "relu_forward",
      [](py::handle x, float negative_slope, std::optional<float> max_value, float threshold) {
        return relu_forward(x, relu_params(negative_slope, max_value, threshold));
      },
      py::arg("x"), py::kw_only(), py::arg("negative_slope") = 0.0f,
      py::arg("max_value") = py::none(), py::arg("threshold") = 0.0f,
      "keras.activations.relu with negative_slope, max_value and threshold.");
  m.def(
      "relu_backward",
      [](py::handle dy, py::handle x, float negative_slope, std::optional<float> max_value,
         float threshold) {
        return relu_backward(dy, x, relu_params(negative_slope, max_value, threshold));
      },
      py::arg("dy"), py::arg("x"), py::kw_only(), py::arg("negative_slope") = 0.0f,
      py::arg("max_value") = py::none(), py::arg("threshold") = 0.0f,
      "Gradient of relu_forward with the same parameters.");
  m.def(
      "softmax_forward", [](py::handle x) { return softmax_forward(false, x); }, py::arg("x"),
      "Softmax over the last axis (max-shifted); a NaN makes its row NaN.");
  m.def(
      "softmax_backward",
      [](py::handle dy, py::handle y) { return softmax_backward(false, dy, y); }, py::arg("dy"),
      py::arg("y"), "dx = y * (dy - sum(dy * y, axis=-1)).");
  m.def(
      "log_softmax_forward", [](py::handle x) { return softmax_forward(true, x); }, py::arg("x"),
      "Log-softmax over the last axis.");
  m.def(
      "log_softmax_backward",
      [](py::handle dy, py::handle y_log) { return softmax_backward(true, dy, y_log); },
      py::arg("dy"), py::arg("y_log"), "dx = dy - exp(y_log) * sum(dy, axis=-1).");

  m.def(
      "dropout_forward",
      [](py::handle x, double rate, py::handle seed) {
        return dropout("dropout_forward", "x", x, rate, seed);
      },
      py::arg("x"), py::arg("rate"), py::arg("seed"),
      "Inverted dropout with the CPU kernel's counter-based mask (the same elements drop).");
  m.def(
      "dropout_backward",
      [](py::handle dy, double rate, py::handle seed) {
        return dropout("dropout_backward", "dy", dy, rate, seed);
      },
      py::arg("dy"), py::arg("rate"), py::arg("seed"),
      "dx = dy / (1 - rate) where the forward with the same rate and seed kept the element.");

  m.def("batchnorm_train_forward", &bn_train_forward, py::arg("x"), py::arg("gamma"),
        py::arg("beta"), py::arg("epsilon"),
        "Training-mode batch normalization over every axis but the last -> (y, mean, var, "
        "invstd).");
  m.def("batchnorm_train_backward", &bn_train_backward, py::arg("dy"), py::arg("x"),
        py::arg("gamma"), py::arg("mean"), py::arg("invstd"),
        "Gradient of batchnorm_train_forward -> (dx, dgamma, dbeta).");
  m.def("batchnorm_inference_forward", &bn_inference_forward, py::arg("x"), py::arg("gamma"),
        py::arg("beta"), py::arg("moving_mean"), py::arg("moving_var"), py::arg("epsilon"),
        "Inference-mode batch normalization with the moving statistics.");
  m.def("batchnorm_inference_backward", &bn_inference_backward, py::arg("dy"), py::arg("x"),
        py::arg("gamma"), py::arg("moving_mean"), py::arg("moving_var"), py::arg("epsilon"),
        "Gradient of batchnorm_inference_forward -> (dx, dgamma, dbeta).");

  m.def("softmax_xent_forward", &xent_forward, py::arg("logits"), py::arg("targets"),
        "Softmax cross-entropy from logits (N, C) -> (loss (N,), probs (N, C)); targets are\n"
        "int64 labels (N,) or float (N, C) weights, on the device.");
  m.def("softmax_xent_backward", &xent_backward, py::arg("probs"), py::arg("targets"),
        py::arg("dloss"), "dlogits = (probs * sum(t) - t) * dloss[:, None].");
  m.def("sigmoid_xent_forward", &sigmoid_forward, py::arg("logits"), py::arg("targets"),
        "Elementwise binary cross-entropy from logits.");
  m.def("sigmoid_xent_backward", &sigmoid_backward, py::arg("logits"), py::arg("targets"),
        py::arg("dloss"), "dlogits = (sigmoid(logits) - targets) * dloss.");
}

}  // namespace ember::cuda_bindings
