// Batch normalization over all axes but the last: train and inference, forward and backward.
#include <pybind11/numpy.h>

#include <cmath>

#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"
#include "common/checked_math.h"

namespace ember::bindings {
namespace {

const std::string kPerChannel = " (one value per channel, the last axis of x)";

// (rows, channels) of x, which must be rank >= 2 with no empty axis.
BatchNormShape bn_shape(const py::array& x, const std::string& op) {
  const Shape shape = shape_of(x);
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
  i64 rows = 1;
  for (std::size_t i = 0; i + 1 < shape.size(); ++i) rows = checked_mul(rows, shape[i], op.c_str());
  return {rows, shape.back()};
}

void check_epsilon(double epsilon, const std::string& op) {
  if (!(epsilon >= 0.0) || std::isinf(epsilon)) {
    throw py::value_error(op + ": epsilon must be finite and >= 0, received " +
                          std::string(py::str(py::float_(epsilon))));
  }
}

// A required per-channel vector.
Float32 channel_vector(py::handle obj, i64 channels, const std::string& op, const char* name) {
  Float32 v;
  if (!optional_vector(obj, channels, op, name, kPerChannel, &v)) {
    throw py::type_error(op + ": " + name + " must be an array of shape " + shape_str({channels}) +
                         ", received None");
  }
  return v;
}

const float* data_or_null(bool given, const Float32& a) { return given ? a.data() : nullptr; }

py::tuple train_forward(const BatchNormKernels& k, py::handle x_obj, py::handle gamma_obj,
                        py::handle beta_obj, double epsilon, py::handle out) {
  const std::string op = "batchnorm_train_forward";
  py::array raw = as_real_array(x_obj, op, "x");
  const BatchNormShape s = bn_shape(raw, op);
  check_epsilon(epsilon, op);
  Float32 gamma, beta;
  const bool has_gamma = optional_vector(gamma_obj, s.channels, op, "gamma", kPerChannel, &gamma);
  const bool has_beta = optional_vector(beta_obj, s.channels, op, "beta", kPerChannel, &beta);
  Float32 x = to_float32(raw, op, "x");
  Float32 y = float_output(shape_of(raw), out, op);
  Float32 mean = float_output({s.channels}, py::none(), op);
  Float32 var = float_output({s.channels}, py::none(), op);
  Float32 invstd = float_output({s.channels}, py::none(), op);
  const float* xp = x.data();
  const float* gp = data_or_null(has_gamma, gamma);
  const float* bp = data_or_null(has_beta, beta);
  float* yp = y.mutable_data();
  float* mp = mean.mutable_data();
  float* vp = var.mutable_data();
  float* ip = invstd.mutable_data();
  {
    py::gil_scoped_release release;
    k.train_forward(s, xp, gp, bp, static_cast<float>(epsilon), yp, mp, vp, ip);
  }
  return py::make_tuple(y, mean, var, invstd);
}

py::tuple train_backward(const BatchNormKernels& k, py::handle dy_obj, py::handle x_obj,
                         py::handle gamma_obj, py::handle mean_obj, py::handle invstd_obj,
                         py::handle out) {
  const std::string op = "batchnorm_train_backward";
  py::array x_raw = as_real_array(x_obj, op, "x");
  const BatchNormShape s = bn_shape(x_raw, op);
  py::array dy_raw = as_real_array(dy_obj, op, "dy");
  require_shape(shape_of(dy_raw), shape_of(x_raw), op, "dy", " (the shape of x)");
  Float32 gamma;
  const bool has_gamma = optional_vector(gamma_obj, s.channels, op, "gamma", kPerChannel, &gamma);
  Float32 mean = channel_vector(mean_obj, s.channels, op, "mean");
  Float32 invstd = channel_vector(invstd_obj, s.channels, op, "invstd");
  Float32 dy = to_float32(dy_raw, op, "dy");
  Float32 x = to_float32(x_raw, op, "x");
  Float32 dx = float_output(shape_of(x_raw), out, op);
  Float32 dgamma = float_output({s.channels}, py::none(), op);
  Float32 dbeta = float_output({s.channels}, py::none(), op);
  const float* dyp = dy.data();
  const float* xp = x.data();
  const float* gp = data_or_null(has_gamma, gamma);
  const float* mp = mean.data();
  const float* ip = invstd.data();
  float* dxp = dx.mutable_data();
  float* dgp = dgamma.mutable_data();
  float* dbp = dbeta.mutable_data();
  {
    py::gil_scoped_release release;
    k.train_backward(s, dyp, xp, gp, mp, ip, dxp, dgp, dbp);
  }
  return py::make_tuple(dx, dgamma, dbeta);
}

py::array inference_forward(const BatchNormKernels& k, py::handle x_obj, py::handle gamma_obj,
                            py::handle beta_obj, py::handle mean_obj, py::handle var_obj,
                            double epsilon, py::handle out) {
  const std::string op = "batchnorm_inference_forward";
  py::array raw = as_real_array(x_obj, op, "x");
  const BatchNormShape s = bn_shape(raw, op);
  check_epsilon(epsilon, op);
  Float32 gamma, beta;
  const bool has_gamma = optional_vector(gamma_obj, s.channels, op, "gamma", kPerChannel, &gamma);
  const bool has_beta = optional_vector(beta_obj, s.channels, op, "beta", kPerChannel, &beta);
  Float32 mean = channel_vector(mean_obj, s.channels, op, "moving_mean");
  Float32 var = channel_vector(var_obj, s.channels, op, "moving_var");
  Float32 x = to_float32(raw, op, "x");
  Float32 y = float_output(shape_of(raw), out, op);
  const float* xp = x.data();
  const float* gp = data_or_null(has_gamma, gamma);
  const float* bp = data_or_null(has_beta, beta);
  const float* mp = mean.data();
  const float* vp = var.data();
  float* yp = y.mutable_data();
  {
    py::gil_scoped_release release;
    k.inference_forward(s, xp, gp, bp, mp, vp, static_cast<float>(epsilon), yp);
  }
  return std::move(y);
}

py::tuple inference_backward(const BatchNormKernels& k, py::handle dy_obj, py::handle x_obj,
                             py::handle gamma_obj, py::handle mean_obj, py::handle var_obj,
                             double epsilon, py::handle out) {
  const std::string op = "batchnorm_inference_backward";
  py::array x_raw = as_real_array(x_obj, op, "x");
  const BatchNormShape s = bn_shape(x_raw, op);
  check_epsilon(epsilon, op);
  py::array dy_raw = as_real_array(dy_obj, op, "dy");
  require_shape(shape_of(dy_raw), shape_of(x_raw), op, "dy", " (the shape of x)");
  Float32 gamma;
  const bool has_gamma = optional_vector(gamma_obj, s.channels, op, "gamma", kPerChannel, &gamma);
  Float32 mean = channel_vector(mean_obj, s.channels, op, "moving_mean");
  Float32 var = channel_vector(var_obj, s.channels, op, "moving_var");
  Float32 dy = to_float32(dy_raw, op, "dy");
  Float32 x = to_float32(x_raw, op, "x");
  Float32 dx = float_output(shape_of(x_raw), out, op);
  Float32 dgamma = float_output({s.channels}, py::none(), op);
  Float32 dbeta = float_output({s.channels}, py::none(), op);
  const float* dyp = dy.data();
  const float* xp = x.data();
  const float* gp = data_or_null(has_gamma, gamma);
  const float* mp = mean.data();
  const float* vp = var.data();
  float* dxp = dx.mutable_data();
  float* dgp = dgamma.mutable_data();
  float* dbp = dbeta.mutable_data();
  {
    py::gil_scoped_release release;
    k.inference_backward(s, dyp, xp, gp, mp, vp, static_cast<float>(epsilon), dxp, dgp, dbp);
  }
  return py::make_tuple(dx, dgamma, dbeta);
}

}  // namespace

void bind_batchnorm(py::module_& m, const BatchNormKernels& k) {
  m.def(
      "batchnorm_train_forward",
      [k](py::handle x, py::handle gamma, py::handle beta, double epsilon, py::handle out) {
        return train_forward(k, x, gamma, beta, epsilon, out);
      },
      py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("epsilon"), py::kw_only(),
      py::arg("out") = py::none(),
      "Training-mode batch normalization over every axis but the last (channels-last, rank >= 2)\n"
      "-> (y, mean, var, invstd). var is the biased batch variance, invstd = 1 / sqrt(var +\n"
      "epsilon); gamma / beta may be None (scale=False / center=False).");
  m.def(
      "batchnorm_train_backward",
      [k](py::handle dy, py::handle x, py::handle gamma, py::handle mean, py::handle invstd,
          py::handle out) { return train_backward(k, dy, x, gamma, mean, invstd, out); },
      py::arg("dy"), py::arg("x"), py::arg("gamma"), py::arg("mean"), py::arg("invstd"),
      py::kw_only(), py::arg("out") = py::none(),
      "Gradient of batchnorm_train_forward through the batch moments -> (dx, dgamma, dbeta);\n"
      "dgamma and dbeta are returned even when gamma / beta were None.");
  m.def(
      "batchnorm_inference_forward",
      [k](py::handle x, py::handle gamma, py::handle beta, py::handle moving_mean,
          py::handle moving_var, double epsilon, py::handle out) {
        return inference_forward(k, x, gamma, beta, moving_mean, moving_var, epsilon, out);
      },
      py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("moving_mean"),
      py::arg("moving_var"), py::arg("epsilon"), py::kw_only(), py::arg("out") = py::none(),
      "Inference-mode batch normalization with the moving statistics.");
  m.def(
      "batchnorm_inference_backward",
      [k](py::handle dy, py::handle x, py::handle gamma, py::handle moving_mean,
          py::handle moving_var, double epsilon, py::handle out) {
        return inference_backward(k, dy, x, gamma, moving_mean, moving_var, epsilon, out);
      },
      py::arg("dy"), py::arg("x"), py::arg("gamma"), py::arg("moving_mean"), py::arg("moving_var"),
      py::arg("epsilon"), py::kw_only(), py::arg("out") = py::none(),
      "Gradient of batchnorm_inference_forward (the moving statistics are constants)\n"
      "-> (dx, dgamma, dbeta).");
}

}  // namespace ember::bindings
