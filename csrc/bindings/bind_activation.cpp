// activation_forward / activation_backward, relu_forward / relu_backward, softmax and
// log-softmax forward / backward: elementwise or last-axis ops on arrays of any shape.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

#include "bindings/args.h"
#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"

namespace ember::bindings {
namespace {

i64 size_of(const Shape& shape) {
  i64 n = 1;
  for (i64 d : shape) n *= d;  // numpy already holds an array of this size: no overflow
  return n;
}

// An array the same shape as `like` (named like_name in the message).
py::array same_shape_as(py::handle obj, const Shape& like, const std::string& op, const char* name,
                        const char* like_name) {
  py::array raw = as_real_array(obj, op, name);
  require_shape(shape_of(raw), like, op, name, std::string(" (the shape of ") + like_name + ")");
  return raw;
}

py::array act_forward(const ActivationKernels& k, py::handle x_obj, py::handle name, float alpha,
                      py::handle out) {
  const std::string op = "activation_forward";
  const ActFn fn = parse_act_fn(name, op);
  py::array raw = as_real_array(x_obj, op, "x");
  const Shape shape = shape_of(raw);
  Float32 x = to_float32(raw, op, "x");
  Float32 y = float_output(shape, out, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  const i64 n = size_of(shape);
  {
    py::gil_scoped_release release;
    k.forward(fn, alpha, xp, yp, n);
  }
  return std::move(y);
}

py::array act_backward(const ActivationKernels& k, py::handle dy_obj, py::handle x_obj,
                       py::handle y_obj, py::handle name, float alpha, py::handle out) {
  const std::string op = "activation_backward";
  const ActFn fn = parse_act_fn(name, op);
  py::array dy_raw = as_real_array(dy_obj, op, "dy");
  const Shape shape = shape_of(dy_raw);
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
  // Whatever is passed must fit, even the tensor this activation does not read.
  py::array x_raw, y_raw;
  if (!x_obj.is_none()) x_raw = same_shape_as(x_obj, shape, op, "x", "dy");
  if (!y_obj.is_none()) y_raw = same_shape_as(y_obj, shape, op, "y", "dy");
  const py::array& s_raw = source == ActSource::x ? x_raw : y_raw;
  Float32 dy = to_float32(dy_raw, op, "dy");
  Float32 s;
  if (source != ActSource::none) s = to_float32(s_raw, op, source == ActSource::x ? "x" : "y");
  Float32 dx = float_output(shape, out, op);
  const float* dyp = dy.data();
  const float* sp = source == ActSource::none ? nullptr : s.data();
  float* dxp = dx.mutable_data();
  const i64 n = size_of(shape);
  {
    py::gil_scoped_release release;
    k.backward(fn, alpha, source, dyp, sp, dxp, n);
  }
  return std::move(dx);
}

ReluParams relu_params(float negative_slope, std::optional<float> max_value, float threshold) {
  ReluParams p;
  p.negative_slope = negative_slope;
  p.has_max = max_value.has_value();
  p.max_value = max_value.value_or(0.0f);
  p.threshold = threshold;
  return p;
}

py::array relu_forward(const ActivationKernels& k, py::handle x_obj, const ReluParams& p,
                       py::handle out) {
  const std::string op = "relu_forward";
  py::array raw = as_real_array(x_obj, op, "x");
  const Shape shape = shape_of(raw);
  Float32 x = to_float32(raw, op, "x");
  Float32 y = float_output(shape, out, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  {
    py::gil_scoped_release release;
    k.relu_forward(p, xp, yp, size_of(shape));
  }
  return std::move(y);
}

py::array relu_backward(const ActivationKernels& k, py::handle dy_obj, py::handle x_obj,
                        const ReluParams& p, py::handle out) {
  const std::string op = "relu_backward";
  py::array dy_raw = as_real_array(dy_obj, op, "dy");
  const Shape shape = shape_of(dy_raw);
  py::array x_raw = same_shape_as(x_obj, shape, op, "x", "dy");
  Float32 dy = to_float32(dy_raw, op, "dy");
  Float32 x = to_float32(x_raw, op, "x");
  Float32 dx = float_output(shape, out, op);
  const float* dyp = dy.data();
  const float* xp = x.data();
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    k.relu_backward(p, dyp, xp, dxp, size_of(shape));
  }
  return std::move(dx);
}

// (rows, cols) of an array whose last axis is the softmax axis.
std::pair<i64, i64> last_axis_rows(const py::array& a, const std::string& op, const char* name) {
  if (a.ndim() < 1) {
    throw py::value_error(op + ": " + name + " must have rank >= 1 (softmax runs over the last " +
                          "axis); received shape ()");
  }
  const Shape shape = shape_of(a);
  const i64 cols = shape.back();
  return {cols == 0 ? 0 : size_of(shape) / cols, cols};
}

py::array softmax_forward(const ActivationKernels& k, bool log, py::handle x_obj, py::handle out) {
  const std::string op = log ? "log_softmax_forward" : "softmax_forward";
  py::array raw = as_real_array(x_obj, op, "x");
  const auto [rows, cols] = last_axis_rows(raw, op, "x");
  Float32 x = to_float32(raw, op, "x");
  Float32 y = float_output(shape_of(raw), out, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  {
    py::gil_scoped_release release;
    k.softmax_forward(xp, yp, rows, cols, log);
  }
  return std::move(y);
}

py::array softmax_backward(const ActivationKernels& k, bool log, py::handle dy_obj,
                           py::handle y_obj, py::handle out) {
  const std::string op = log ? "log_softmax_backward" : "softmax_backward";
  const char* y_name = log ? "y_log" : "y";
  py::array dy_raw = as_real_array(dy_obj, op, "dy");
  const auto [rows, cols] = last_axis_rows(dy_raw, op, "dy");
  const Shape shape = shape_of(dy_raw);
  py::array y_raw = same_shape_as(y_obj, shape, op, y_name, "dy");
  Float32 dy = to_float32(dy_raw, op, "dy");
  Float32 y = to_float32(y_raw, op, y_name);
  Float32 dx = float_output(shape, out, op);
  const float* dyp = dy.data();
  const float* yp = y.data();
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    k.softmax_backward(dyp, yp, dxp, rows, cols, log);
  }
  return std::move(dx);
}

}  // namespace

void bind_activation(py::module_& m, const ActivationKernels& k) {
  m.def(
      "activation_forward",
      [k](py::handle x, py::handle name, float alpha, py::handle out) {
        return act_forward(k, x, name, alpha, out);
      },
      py::arg("x"), py::arg("name"), py::kw_only(), py::arg("alpha") = 0.0f,
      py::arg("out") = py::none(),
      "y = f(x) elementwise, f one of 'linear', 'relu', 'relu6', 'leaky_relu', 'sigmoid', 'tanh',\n"
      "'elu', 'selu', 'softplus', 'softsign', 'swish' ('silu'), 'gelu' (exact erf form),\n"
      "'gelu_tanh' (tanh approximation), 'hard_sigmoid' (relu6(x + 3) / 6), 'exponential'\n"
      "(Keras 3 formulas). alpha is leaky_relu's negative slope and elu's alpha (pass 1.0 for\n"
      "Keras' default elu); the others ignore it.");
  m.def(
      "activation_backward",
      [k](py::handle dy, py::handle x, py::handle y, py::handle name, float alpha, py::handle out) {
        return act_backward(k, dy, x, y, name, alpha, out);
      },
      py::arg("dy"), py::arg("x"), py::arg("y"), py::arg("name"), py::kw_only(),
      py::arg("alpha") = 0.0f, py::arg("out") = py::none(),
      "dx = dy * f'(x). x (the forward input) and y (its output) may be None where the gradient\n"
      "does not need them: linear needs neither; relu, relu6, sigmoid, tanh, selu, hard_sigmoid,\n"
      "exponential, leaky_relu (alpha >= 0) and elu (alpha > 0) work from x or y; the rest\n"
      "need x. ValueError names what is missing.");
  m.def(
      "relu_forward",
      [k](py::handle x, float negative_slope, std::optional<float> max_value, float threshold,
          py::handle out) {
        return relu_forward(k, x, relu_params(negative_slope, max_value, threshold), out);
      },
      py::arg("x"), py::kw_only(), py::arg("negative_slope") = 0.0f,
      py::arg("max_value") = py::none(), py::arg("threshold") = 0.0f, py::arg("out") = py::none(),
      "keras.activations.relu: x above threshold (else 0), clipped to [0, max_value] when set,\n"
      "minus negative_slope * max(threshold - x, 0).");
  m.def(
      "relu_backward",
      [k](py::handle dy, py::handle x, float negative_slope, std::optional<float> max_value,
          float threshold, py::handle out) {
        return relu_backward(k, dy, x, relu_params(negative_slope, max_value, threshold), out);
      },
      py::arg("dy"), py::arg("x"), py::kw_only(), py::arg("negative_slope") = 0.0f,
      py::arg("max_value") = py::none(), py::arg("threshold") = 0.0f, py::arg("out") = py::none(),
      "Gradient of relu_forward with the same parameters (TensorFlow's choice at the kinks).");
  m.def(
      "softmax_forward",
      [k](py::handle x, py::handle out) { return softmax_forward(k, false, x, out); }, py::arg("x"),
      py::kw_only(), py::arg("out") = py::none(),
      "Softmax over the last axis (max-shifted); a NaN makes its row NaN.");
  m.def(
      "softmax_backward",
      [k](py::handle dy, py::handle y, py::handle out) {
        return softmax_backward(k, false, dy, y, out);
      },
      py::arg("dy"), py::arg("y"), py::kw_only(), py::arg("out") = py::none(),
      "dx = y * (dy - sum(dy * y, axis=-1)), y the softmax output.");
  m.def(
      "log_softmax_forward",
      [k](py::handle x, py::handle out) { return softmax_forward(k, true, x, out); }, py::arg("x"),
      py::kw_only(), py::arg("out") = py::none(),
      "Log-softmax over the last axis: (x - max) - log(sum(exp(x - max))).");
  m.def(
      "log_softmax_backward",
      [k](py::handle dy, py::handle y_log, py::handle out) {
        return softmax_backward(k, true, dy, y_log, out);
      },
      py::arg("dy"), py::arg("y_log"), py::kw_only(), py::arg("out") = py::none(),
      "dx = dy - exp(y_log) * sum(dy, axis=-1), y_log the log-softmax output.");
}

}  // namespace ember::bindings
