// Array arithmetic for ember.cuda.CudaArray: numpy-style broadcasting binary ops (with Python
// scalars), unary ops, sums over axes, broadcast_to, transpose, full and dtype conversion.
#include <pybind11/stl.h>

#include <algorithm>
#include <map>

#include "bindings/cuda/device_array.h"
#include "bindings/cuda/modules.h"
#include "cuda/device.h"
#include "cuda/kernels.h"

namespace ember::cuda_bindings {
namespace {

using cuda::BinaryOp;
using cuda::kMaxDims;
using cuda::UnaryOp;

BinaryOp parse_binary(const std::string& name) {
  static const std::map<std::string, BinaryOp> kOps = {
      {"add", BinaryOp::add},
      {"subtract", BinaryOp::subtract},
      {"multiply", BinaryOp::multiply},
      {"divide", BinaryOp::divide},
      {"maximum", BinaryOp::maximum},
      {"minimum", BinaryOp::minimum},
      {"power", BinaryOp::power},
      {"greater", BinaryOp::greater},
      {"greater_equal", BinaryOp::greater_equal},
      {"less", BinaryOp::less},
      {"less_equal", BinaryOp::less_equal},
      {"equal", BinaryOp::equal},
      {"not_equal", BinaryOp::not_equal},
  };
  auto it = kOps.find(name);
  if (it == kOps.end()) throw py::value_error("binary: unknown op '" + name + "'");
  return it->second;
}

UnaryOp parse_unary(const std::string& name) {
  static const std::map<std::string, UnaryOp> kOps = {
      {"negative", UnaryOp::negative},
      {"exp", UnaryOp::exp},
      {"log", UnaryOp::log},
      {"sqrt", UnaryOp::sqrt},
      {"abs", UnaryOp::abs},
      {"sign", UnaryOp::sign},
      {"square", UnaryOp::square},
      {"tanh", UnaryOp::tanh},
      {"reciprocal", UnaryOp::reciprocal},
      {"clip", UnaryOp::clip},
      {"power", UnaryOp::power},
      {"affine", UnaryOp::affine},
      {"rsub", UnaryOp::rsub},
      {"rdiv", UnaryOp::rdiv},
      {"logical_not", UnaryOp::logical_not},
      {"isfinite", UnaryOp::isfinite},
  };
  auto it = kOps.find(name);
  if (it == kOps.end()) throw py::value_error("unary: unknown op '" + name + "'");
  return it->second;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) {
    strides[d] = strides[d + 1] * shape[d + 1];
  }
  return strides;
}

void require_dims(std::size_t ndim, const std::string& op) {
  if (ndim > static_cast<std::size_t>(kMaxDims)) {
    throw py::value_error(op + ": device arrays support at most " + std::to_string(kMaxDims) +
                          " dimensions, received " + std::to_string(ndim));
  }
}

const DeviceArray& float_operand(py::handle obj, const char* name) {
  return float_arg(obj, "binary", name);
}

// numpy's broadcasting of two shapes, with each operand's strides into its own data.
cuda::Strided broadcast(const Shape& a, const Shape& b, Shape* out) {
  const std::size_t nd = std::max(a.size(), b.size());
  require_dims(nd, "binary");
  cuda::Strided s;
  s.ndim = static_cast<int>(nd);
  out->assign(nd, 1);
  const Shape sa = contiguous_strides(a), sb = contiguous_strides(b);
  for (std::size_t k = 0; k < nd; ++k) {
    const std::size_t d = nd - 1 - k;  // aligned from the right
    const i64 da = k < a.size() ? a[a.size() - 1 - k] : 1;
    const i64 db = k < b.size() ? b[b.size() - 1 - k] : 1;
    if (da != db && da != 1 && db != 1) {
      throw py::value_error("operands could not be broadcast together with shapes " + shape_str(a) +
                            " " + shape_str(b));
    }
    const i64 n = da == 1 ? db : da;
    (*out)[d] = n;
    s.shape[d] = n;
    s.a_strides[d] = (k < a.size() && da != 1) ? sa[a.size() - 1 - k] : 0;
    s.b_strides[d] = (k < b.size() && db != 1) ? sb[b.size() - 1 - k] : 0;
  }
  return s;
}

i64 size_of(const Shape& s) {
  i64 n = 1;
  for (i64 d : s) n *= d;
  return n;
}

DeviceArray binary(const std::string& name, py::handle a_obj, py::handle b_obj) {
  const BinaryOp op = parse_binary(name);
  const bool a_scalar = py::isinstance<py::float_>(a_obj) || py::isinstance<py::int_>(a_obj);
  const bool b_scalar = py::isinstance<py::float_>(b_obj) || py::isinstance<py::int_>(b_obj);
  if (a_scalar && b_scalar) throw py::type_error("binary: at least one operand must be an array");
  if (a_scalar || b_scalar) {
    const DeviceArray& arr = float_operand(a_scalar ? b_obj : a_obj, a_scalar ? "b" : "a");
    const float scalar = (a_scalar ? a_obj : b_obj).cast<float>();
    DeviceArray out = new_float(arr.shape());
    py::gil_scoped_release release;
    cuda::binary_scalar(op, arr.f32(), scalar, a_scalar, out.f32(), out.size());
    return out;
  }
  const DeviceArray& a = float_operand(a_obj, "a");
  const DeviceArray& b = float_operand(b_obj, "b");
  Shape shape;
  const cuda::Strided s = broadcast(a.shape(), b.shape(), &shape);
  DeviceArray out = new_float(shape);
  py::gil_scoped_release release;
  cuda::binary(op, a.f32(), b.f32(), out.f32(), s, out.size());
  return out;
}

DeviceArray unary(const std::string& name, py::handle a_obj, float p0, float p1) {
  const UnaryOp op = parse_unary(name);
  const DeviceArray& a = float_arg(a_obj, "unary", "a");
  DeviceArray out = new_float(a.shape());
  py::gil_scoped_release release;
  cuda::unary(op, a.f32(), out.f32(), out.size(), p0, p1);
  return out;
}

std::vector<int> normalize_axes(const std::vector<i64>& axes, std::size_t ndim,
                                const std::string& op) {
  std::vector<int> out;
  for (i64 ax : axes) {
    const i64 nd = static_cast<i64>(ndim);
    if (ax < -nd || ax >= nd) {
      throw py::value_error(op + ": axis " + std::to_string(ax) + " is out of bounds for an " +
                            "array of dimension " + std::to_string(ndim));
    }
    const int a = static_cast<int>(ax < 0 ? ax + nd : ax);
    if (std::find(out.begin(), out.end(), a) != out.end()) {
      throw py::value_error(op + ": repeated axis " + std::to_string(ax));
    }
    out.push_back(a);
  }
  return out;
}

DeviceArray reduce_sum(py::handle a_obj, const std::vector<i64>& axes_in, bool keepdims,
                       double scale) {
  const std::string op = "reduce_sum";
  const DeviceArray& a = float_arg(a_obj, op, "a");
  const Shape& shape = a.shape();
  require_dims(shape.size(), op);
  const std::vector<int> axes = normalize_axes(axes_in, shape.size(), op);
  const Shape strides = contiguous_strides(shape);
  cuda::Reduction r;
  Shape out_shape;
  i64 outputs = 1, per_output = 1;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (reduced) {
      r.red_shape[r.reduced] = shape[d];
      r.red_strides[r.reduced] = strides[d];
      ++r.reduced;
      per_output *= shape[d];
      if (keepdims) out_shape.push_back(1);
    } else {
      r.kept_shape[r.kept] = shape[d];
      r.kept_strides[r.kept] = strides[d];
      ++r.kept;
      outputs *= shape[d];
      out_shape.push_back(shape[d]);
    }
  }
  DeviceArray out = new_float(out_shape);
  py::gil_scoped_release release;
  if (per_output == 0) {
    cuda::fill(out.f32(), 0.0f, outputs);  // numpy: an empty sum is 0
  } else {
    cuda::reduce_sum(a.f32(), out.f32(), r, outputs, per_output, scale);
  }
  return out;
}

DeviceArray broadcast_to(py::handle a_obj, const std::vector<i64>& shape) {
  const std::string op = "broadcast_to";
  const DeviceArray& a = float_arg(a_obj, op, "a");
  Shape out_shape;
  cuda::Strided s = broadcast(a.shape(), shape, &out_shape);
  if (out_shape != shape) {
    throw py::value_error(op + ": cannot broadcast shape " + shape_str(a.shape()) + " to " +
                          shape_str(shape));
  }
  DeviceArray out = new_float(out_shape);
  py::gil_scoped_release release;
  cuda::gather_strided(a.f32(), out.f32(), s, out.size());
  return out;
}

DeviceArray transpose(py::handle a_obj, const std::vector<i64>& axes_in) {
  const std::string op = "transpose";
  const DeviceArray& a = float_arg(a_obj, op, "a");
  const Shape& shape = a.shape();
  require_dims(shape.size(), op);
  const std::vector<int> axes = normalize_axes(axes_in, shape.size(), op);
  if (axes.size() != shape.size()) {
    throw py::value_error(op + ": axes don't match array (" + std::to_string(axes.size()) +
                          " axes for " + std::to_string(shape.size()) + " dimensions)");
  }
  const Shape strides = contiguous_strides(shape);
  cuda::Strided s;
  s.ndim = static_cast<int>(shape.size());
  Shape out_shape;
  for (std::size_t d = 0; d < axes.size(); ++d) {
    s.shape[d] = shape[axes[d]];
    s.a_strides[d] = strides[axes[d]];
    out_shape.push_back(shape[axes[d]]);
  }
  DeviceArray out = new_float(out_shape);
  py::gil_scoped_release release;
  cuda::gather_strided(a.f32(), out.f32(), s, out.size());
  return out;
}

DeviceArray full(const std::vector<i64>& shape, float value) {
  DeviceArray out = new_float(shape);
  py::gil_scoped_release release;
  cuda::fill(out.f32(), value, out.size());
  return out;
}

DeviceArray astype(py::handle a_obj, const std::string& dtype) {
  const std::string op = "astype";
  const DeviceArray& a = device_arg(a_obj, op, "a");
  if (dtype == "float32") {
    DeviceArray out = new_float(a.shape());
    py::gil_scoped_release release;
    switch (a.dtype()) {
      case DType::float32:
        cuda::copy_on_device(out.data(), a.data(), a.nbytes());
        break;
      case DType::int32:
        cuda::cast_int32_to_float(a.i32(), out.f32(), a.size());
        break;
      case DType::int64:
        cuda::cast_int64_to_float(a.i64p(), out.f32(), a.size());
        break;
    }
    return out;
  }
  if (dtype == "int64" && a.dtype() == DType::float32) {
    DeviceArray out(a.shape(), DType::int64);
    py::gil_scoped_release release;
    cuda::cast_float_to_int64(a.f32(), out.i64p(), a.size());
    return out;
  }
  if (dtype == dtype_name(a.dtype())) {
    DeviceArray out(a.shape(), a.dtype());
    py::gil_scoped_release release;
    cuda::copy_on_device(out.data(), a.data(), a.nbytes());
    return out;
  }
  throw py::type_error(op + ": cannot convert " + std::string(dtype_name(a.dtype())) + " to " +
                       dtype + " on the device");
}

}  // namespace

void bind_math(py::module_& m) {
  m.def("binary", &binary, py::arg("op"), py::arg("a"), py::arg("b"),
        "Elementwise a <op> b with numpy broadcasting; either operand may be a Python number.\n"
        "Comparisons return float32 0/1.");
  m.def("unary", &unary, py::arg("op"), py::arg("a"), py::arg("p0") = 0.0f, py::arg("p1") = 0.0f,
        "Elementwise op(a): negative, exp, log, sqrt, abs, sign, square, tanh, reciprocal,\n"
        "clip (p0, p1), power (p0), affine (a * p0 + p1), rsub (p0 - a), rdiv (p0 / a),\n"
        "logical_not, isfinite.");
  m.def("reduce_sum", &reduce_sum, py::arg("a"), py::arg("axes"), py::arg("keepdims") = false,
        py::arg("scale") = 1.0,
        "scale * sum over axes (accumulated in double, fixed order); mean is scale = 1/count.");
  m.def("broadcast_to", &broadcast_to, py::arg("a"), py::arg("shape"),
        "A new array of `shape` holding a broadcast as numpy would.");
  m.def("transpose", &transpose, py::arg("a"), py::arg("axes"),
        "A new array with the axes permuted.");
  m.def("full", &full, py::arg("shape"), py::arg("value"), "A new float32 array of one value.");
  m.def("astype", &astype, py::arg("a"), py::arg("dtype"),
        "A new array converted to dtype ('float32' from any; 'int64' from float32).");
}

}  // namespace ember::cuda_bindings
