// conv2d_forward / conv2d_backward_input / conv2d_backward_weight / conv2d_backward_bias.
// Shapes are validated (rank, sizes, channel agreement, output >= 1, int64 overflow) before
// anything is allocated; the kernels run with the GIL released.
#include <pybind11/numpy.h>

#include "bindings/args.h"
#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"

namespace ember::bindings {
namespace {

constexpr const char* kNHWC = "(batch, height, width, channels)";
constexpr const char* kHWIO = "(kernel_height, kernel_width, in_channels, filters)";

void require_channels(i64 have, i64 want, const std::string& op, const char* what,
                      const Shape& kernel_shape, const Shape& other_shape) {
  if (have != want) {
    throw py::value_error(op + ": kernel " + shape_str(kernel_shape) + " expects " +
                          std::to_string(want) + " " + what + ", but received " +
                          std::to_string(have) + " (shape " + shape_str(other_shape) + ")");
  }
}

py::array forward(const ConvKernels& k, py::handle x_obj, py::handle w_obj, py::handle bias_obj,
                  const ConvArgs& args, py::handle activation, py::handle out) {
  const std::string op = "conv2d";
  const Conv2dParams params = conv_params(args, op);
  const Activation act = parse_activation(activation, op);
  py::array x_raw = as_real_array(x_obj, op, "input");
  py::array w_raw = as_real_array(w_obj, op, "kernel");
  require_rank(x_raw, 4, op, "input", kNHWC);
  require_rank(w_raw, 4, op, "kernel", kHWIO);
  const Shape xs = shape_of(x_raw), ws = shape_of(w_raw);
  if (xs[3] >= 1 && ws[2] >= 1) require_channels(xs[3], ws[2], op, "input channels", ws, xs);
  const Conv2dShape s =
      make_conv2d_shape(op, xs[0], xs[1], xs[2], xs[3], ws[0], ws[1], ws[3], params);
  Float32 bias;  // a default array_t is an empty array, not null: test bias_obj instead
  if (!bias_obj.is_none()) {
    py::array raw = as_real_array(bias_obj, op, "bias");
    if (shape_of(raw) != Shape{s.out_c}) {
      throw py::value_error(op + ": bias must have shape " + shape_str({s.out_c}) +
                            " (one value per filter), received " + shape_str(shape_of(raw)));
    }
    bias = to_float32(raw, op, "bias");
  }
  Float32 x = to_float32(x_raw, op, "input");
  Float32 w = to_float32(w_raw, op, "kernel");
  Float32 y = float_output({s.batch, s.out_h, s.out_w, s.out_c}, out, op);
  const float *xp = x.data(), *wp = w.data(), *bp = bias_obj.is_none() ? nullptr : bias.data();
  float* yp = y.mutable_data();
  {
    py::gil_scoped_release release;
    k.forward(s, xp, wp, bp, act, yp);
  }
  return std::move(y);
}

py::array backward_input(const ConvKernels& k, py::handle dy_obj, py::handle w_obj,
                         py::handle input_shape, const ConvArgs& args, py::handle out) {
  const std::string op = "conv2d_backward_input";
  const Conv2dParams params = conv_params(args, op);
  const Shape xs = parse_shape(input_shape, 4, op, "input_shape");
  py::array dy_raw = as_real_array(dy_obj, op, "output gradient");
  py::array w_raw = as_real_array(w_obj, op, "kernel");
  require_rank(dy_raw, 4, op, "output gradient", kNHWC);
  require_rank(w_raw, 4, op, "kernel", kHWIO);
  const Shape ds = shape_of(dy_raw), ws = shape_of(w_raw);
  require_channels(xs[3], ws[2], op, "input channels", ws, xs);
  const Conv2dShape s =
      make_conv2d_shape(op, xs[0], xs[1], xs[2], xs[3], ws[0], ws[1], ws[3], params);
  const Shape expected{s.batch, s.out_h, s.out_w, s.out_c};
  if (ds != expected) {
    throw py::value_error(op + ": output gradient must have shape " + shape_str(expected) +
                          " for input_shape " + shape_str(xs) + " and kernel " + shape_str(ws) +
                          ", received " + shape_str(ds));
  }
  Float32 dy = to_float32(dy_raw, op, "output gradient");
  Float32 w = to_float32(w_raw, op, "kernel");
  Float32 dx = float_output(xs, out, op);
  const float *dyp = dy.data(), *wp = w.data();
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    k.backward_input(s, dyp, wp, dxp);
  }
  return std::move(dx);
}

py::array backward_weight(const ConvKernels& k, py::handle x_obj, py::handle dy_obj,
                          py::handle kernel_size, const ConvArgs& args, py::handle out) {
  const std::string op = "conv2d_backward_weight";
  const Conv2dParams params = conv_params(args, op);
  const auto [kh, kw] = parse_pair(kernel_size, op, "kernel_size");
  py::array x_raw = as_real_array(x_obj, op, "input");
  py::array dy_raw = as_real_array(dy_obj, op, "output gradient");
  require_rank(x_raw, 4, op, "input", kNHWC);
  require_rank(dy_raw, 4, op, "output gradient", kNHWC);
  const Shape xs = shape_of(x_raw), ds = shape_of(dy_raw);
  const Conv2dShape s = make_conv2d_shape(op, xs[0], xs[1], xs[2], xs[3], kh, kw, ds[3], params);
  const Shape expected{s.batch, s.out_h, s.out_w, s.out_c};
  if (ds != expected) {
    throw py::value_error(op + ": output gradient must have shape " + shape_str(expected) +
                          " for input " + shape_str(xs) + ", received " + shape_str(ds));
  }
  Float32 x = to_float32(x_raw, op, "input");
  Float32 dy = to_float32(dy_raw, op, "output gradient");
  Float32 dw = float_output({kh, kw, s.in_c, s.out_c}, out, op);
  const float *xp = x.data(), *dyp = dy.data();
  float* dwp = dw.mutable_data();
  {
    py::gil_scoped_release release;
    k.backward_weight(s, xp, dyp, dwp);
  }
  return std::move(dw);
}

py::array backward_bias(const ConvKernels& k, py::handle dy_obj, py::handle out) {
  const std::string op = "conv2d_backward_bias";
  py::array dy_raw = as_real_array(dy_obj, op, "output gradient");
  require_rank(dy_raw, 4, op, "output gradient", kNHWC);
  const Shape ds = shape_of(dy_raw);
  for (i64 d : ds) {
    if (d < 1) {
      throw py::value_error(op + ": every dimension must be >= 1, received shape " + shape_str(ds));
    }
  }
  // A 1x1 'valid' geometry describes dy as its own output.
  const Conv2dShape s = make_conv2d_shape(op, ds[0], ds[1], ds[2], 1, 1, 1, ds[3], {});
  Float32 dy = to_float32(dy_raw, op, "output gradient");
  Float32 db = float_output({s.out_c}, out, op);
  const float* dyp = dy.data();
  float* dbp = db.mutable_data();
  {
    py::gil_scoped_release release;
    k.backward_bias(s, dyp, dbp);
  }
  return std::move(db);
}

}  // namespace

void bind_conv2d(py::module_& m, const ConvKernels& k) {
  m.def(
      "conv2d_forward",
      [k](py::handle x, py::handle kernel, py::handle bias, py::handle strides, py::handle padding,
          py::handle dilation_rate, py::handle activation, int groups, py::handle out) {
        return forward(k, x, kernel, bias, {strides, padding, dilation_rate, groups}, activation,
                       out);
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::kw_only(),
      py::arg("strides") = 1, py::arg("padding") = "valid", py::arg("dilation_rate") = 1,
      py::arg("activation") = py::none(), py::arg("groups") = 1, py::arg("out") = py::none(),
      "y = activation(conv2d(x, kernel) + bias): x NHWC, kernel HWIO, y NHWC.");
  m.def(
      "conv2d_backward_input",
      [k](py::handle dy, py::handle kernel, py::handle input_shape, py::handle strides,
          py::handle padding, py::handle dilation_rate, int groups, py::handle out) {
        return backward_input(k, dy, kernel, input_shape, {strides, padding, dilation_rate, groups},
                              out);
      },
      py::arg("dy"), py::arg("kernel"), py::arg("input_shape"), py::kw_only(),
      py::arg("strides") = 1, py::arg("padding") = "valid", py::arg("dilation_rate") = 1,
      py::arg("groups") = 1, py::arg("out") = py::none(),
      "Gradient of conv2d with respect to its input (shape input_shape).");
  m.def(
      "conv2d_backward_weight",
      [k](py::handle x, py::handle dy, py::handle kernel_size, py::handle strides,
          py::handle padding, py::handle dilation_rate, int groups, py::handle out) {
        return backward_weight(k, x, dy, kernel_size, {strides, padding, dilation_rate, groups},
                               out);
      },
      py::arg("x"), py::arg("dy"), py::arg("kernel_size"), py::kw_only(), py::arg("strides") = 1,
      py::arg("padding") = "valid", py::arg("dilation_rate") = 1, py::arg("groups") = 1,
      py::arg("out") = py::none(), "Gradient of conv2d with respect to its HWIO kernel.");
  m.def(
      "conv2d_backward_bias",
      [k](py::handle dy, py::handle out) { return backward_bias(k, dy, out); }, py::arg("dy"),
      py::kw_only(), py::arg("out") = py::none(),
      "Gradient of conv2d with respect to its bias: dy summed over batch, height and width.");
}

}  // namespace ember::bindings
