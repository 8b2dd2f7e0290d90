// dropout_forward / dropout_backward: the counter-based mask of kernels/dropout.h.
#include <pybind11/numpy.h>

#include <cmath>

#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"

namespace ember::bindings {
namespace {

DropoutMask parse_mask(double rate, py::handle seed, const std::string& op) {
  if (!(rate >= 0.0 && rate < 1.0)) {  // also rejects NaN
    throw py::value_error(op + ": rate must be in [0, 1), received " +
                          std::string(py::str(py::float_(rate))));
  }
  if (PyBool_Check(seed.ptr()) || !PyLong_Check(seed.ptr())) {
    throw py::type_error(op + ": seed must be an int in [0, 2**64), received " +
                         std::string(py::str(py::repr(seed))));
  }
  const unsigned long long s = PyLong_AsUnsignedLongLong(seed.ptr());
  if (s == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();  // negative or too large
    throw py::value_error(op + ": seed must be an int in [0, 2**64), received " +
                          std::string(py::str(py::repr(seed))));
  }
  return make_dropout_mask(rate, static_cast<std::uint64_t>(s));
}

py::array apply(const DropoutKernels& k, const std::string& op, const char* name, py::handle x_obj,
                double rate, py::handle seed, py::handle out) {
  const DropoutMask mask = parse_mask(rate, seed, op);
  py::array raw = as_real_array(x_obj, op, name);
  const Shape shape = shape_of(raw);
  Float32 x = to_float32(raw, op, name);
  Float32 y = float_output(shape, out, op);
  const float* xp = x.data();
  float* yp = y.mutable_data();
  const i64 n = static_cast<i64>(x.size());
  {
    py::gil_scoped_release release;
    k.apply(mask, xp, yp, n);
  }
  return std::move(y);
}

}  // namespace

void bind_dropout(py::module_& m, const DropoutKernels& k) {
  m.def(
      "dropout_forward",
      [k](py::handle x, double rate, py::handle seed, py::handle out) {
        return apply(k, "dropout_forward", "x", x, rate, seed, out);
      },
      py::arg("x"), py::arg("rate"), py::arg("seed"), py::kw_only(), py::arg("out") = py::none(),
      "y = x / (1 - rate) where kept, 0 where dropped; element i (flat, C order) is kept with\n"
      "probability 1 - rate by a hash of (seed, i) alone: deterministic, independent of the\n"
      "thread count. rate in [0, 1); seed an int in [0, 2**64).");
  m.def(
      "dropout_backward",
      [k](py::handle dy, double rate, py::handle seed, py::handle out) {
        return apply(k, "dropout_backward", "dy", dy, rate, seed, out);
      },
      py::arg("dy"), py::arg("rate"), py::arg("seed"), py::kw_only(), py::arg("out") = py::none(),
      "dx = dy / (1 - rate) where the forward pass with the same rate and seed kept the element,\n"
      "0 elsewhere: the mask is regenerated, not stored.");
}

}  // namespace ember::bindings
