#include "bindings/cuda/device_array.h"

#include <pybind11/stl.h>

#include <cstring>

#include "common/checked_math.h"
#include "cuda/device.h"

namespace ember::cuda_bindings {

std::size_t itemsize_of(DType dtype) { return dtype == DType::int64 ? 8 : 4; }

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return "float32";
    case DType::int32:
      return "int32";
    case DType::int64:
      return "int64";
  }
  return "?";
}

Buffer::Buffer(std::size_t bytes) : ptr(cuda::allocate(bytes)) {}
Buffer::~Buffer() { cuda::release(ptr); }

namespace {

i64 checked_size(const Shape& shape, const char* what) {
  i64 n = 1;
  for (i64 d : shape) {
    if (d < 0) {
      throw py::value_error(std::string(what) + ": negative dimension in shape " +
                            shape_str(shape));
    }
    n = checked_mul(n, d, what);
  }
  return n;
}

std::string type_name(py::handle obj) {
  return std::string(py::str(py::type::of(obj).attr("__name__")));
}

DType dtype_of_numpy(const py::array& a, const char* what) {
  const py::dtype dt = a.dtype();
  if (dt.is(py::dtype::of<float>())) return DType::float32;
  if (dt.is(py::dtype::of<std::int32_t>())) return DType::int32;
  if (dt.is(py::dtype::of<std::int64_t>())) return DType::int64;
  const char kind = dt.kind();
  if (kind == 'f' || kind == 'b') return DType::float32;
  if (kind == 'i' || kind == 'u') return DType::int64;
  throw py::type_error(std::string(what) + ": cannot copy an array of dtype " +
                       std::string(py::str(dt)) + " to the device (real numbers only)");
}

py::dtype numpy_dtype(DType dtype) {
  switch (dtype) {
    case DType::int32:
      return py::dtype::of<std::int32_t>();
    case DType::int64:
      return py::dtype::of<std::int64_t>();
    case DType::float32:
      break;
  }
  return py::dtype::of<float>();
}

DType parse_dtype(const std::string& name) {
  if (name == "float32") return DType::float32;
  if (name == "int32") return DType::int32;
  if (name == "int64") return DType::int64;
  throw py::value_error("DeviceArray: dtype must be 'float32', 'int32' or 'int64', received '" +
                        name + "'");
}

DeviceArray from_numpy(py::handle obj) {
  py::array raw = py::array::ensure(obj);
  if (!raw) {
    throw py::type_error("DeviceArray.from_numpy: expected an array, received " + type_name(obj));
  }
  const DType dtype = dtype_of_numpy(raw, "DeviceArray.from_numpy");
  py::array host;
  switch (dtype) {
    case DType::float32:
      host = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(raw);
      break;
    case DType::int32:
      host = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>::ensure(raw);
      break;
    case DType::int64:
      host = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(raw);
      break;
  }
  if (!host) throw py::error_already_set();
  Shape shape;
  for (py::ssize_t i = 0; i < host.ndim(); ++i) shape.push_back(host.shape(i));
  DeviceArray out(shape, dtype);
  const void* src = host.data();
  py::gil_scoped_release release;
  cuda::copy_to_device(out.data(), src, out.nbytes());
  return out;
}

py::array to_numpy(const DeviceArray& a) {
  std::vector<py::ssize_t> shape(a.shape().begin(), a.shape().end());
  py::array out(numpy_dtype(a.dtype()), shape);
  void* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    cuda::copy_to_host(dst, a.data(), a.nbytes());
  }
  return out;
}

// dst[...] = src, where src is a device array or host data of dst's shape.
void copy_into(const DeviceArray& dst, py::handle src) {
  const std::string op = "DeviceArray.copy_from";
  if (py::isinstance<DeviceArray>(src)) {
    const DeviceArray& s = src.cast<const DeviceArray&>();
    require_shape(s.shape(), dst.shape(), op, "source");
    if (s.dtype() != dst.dtype()) {
      throw py::type_error(op + ": source dtype " + dtype_name(s.dtype()) + " differs from " +
                           dtype_name(dst.dtype()));
    }
    py::gil_scoped_release release;
    cuda::copy_on_device(dst.data(), s.data(), dst.nbytes());
    return;
  }
  DeviceArray tmp = from_numpy(src);
  require_shape(tmp.shape(), dst.shape(), op, "source");
  if (tmp.dtype() != dst.dtype()) {
    throw py::type_error(op + ": source dtype " + dtype_name(tmp.dtype()) + " differs from " +
                         dtype_name(dst.dtype()));
  }
  py::gil_scoped_release release;
  cuda::copy_on_device(dst.data(), tmp.data(), dst.nbytes());
}

Shape to_shape(py::handle obj, const char* what) {
  Shape shape;
  if (py::isinstance<py::int_>(obj)) {
    shape.push_back(obj.cast<i64>());
    return shape;
  }
  for (py::handle item : obj) shape.push_back(item.cast<i64>());
  (void)what;
  return shape;
}

}  // namespace

DeviceArray::DeviceArray(const Shape& shape, DType dtype) : shape_(shape), dtype_(dtype) {
  const i64 n = checked_size(shape, "DeviceArray");
  const i64 bytes = checked_mul(n, static_cast<i64>(itemsize_of(dtype)), "DeviceArray");
  buffer_ = std::make_shared<Buffer>(static_cast<std::size_t>(bytes));
}

i64 DeviceArray::size() const {
  i64 n = 1;
  for (i64 d : shape_) n *= d;
  return n;
}

void* DeviceArray::data() const {
  if (!buffer_ || buffer_->ptr == nullptr) return nullptr;
  return static_cast<char*>(buffer_->ptr) + offset_;
}

DeviceArray DeviceArray::reshaped(const Shape& shape) const {
  if (checked_size(shape, "reshape") != size()) {
    throw py::value_error("cannot reshape a device array of size " + std::to_string(size()) +
                          " into shape " + shape_str(shape));
  }
  DeviceArray out = *this;
  out.shape_ = shape;
  return out;
}

DeviceArray DeviceArray::rows(i64 start, i64 stop) const {
  if (shape_.empty() || start < 0 || stop < start || stop > shape_[0]) {
    throw py::index_error("rows [" + std::to_string(start) + ", " + std::to_string(stop) +
                          ") out of range for shape " + shape_str(shape_));
  }
  DeviceArray out = *this;
  const i64 row = shape_[0] == 0 ? 0 : size() / shape_[0];
  out.offset_ += static_cast<std::size_t>(start * row) * itemsize_of(dtype_);
  out.shape_[0] = stop - start;
  return out;
}

std::string shape_str(const Shape& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

const DeviceArray& device_arg(py::handle obj, const std::string& op, const char* name) {
  if (py::isinstance<DeviceArray>(obj)) return obj.cast<const DeviceArray&>();
  if (obj.is_none()) {
    throw py::type_error(op + ": " + name + " must be a cuda array, received None");
  }
  if (py::isinstance<py::array>(obj) || py::hasattr(obj, "__array_interface__")) {
    throw py::value_error(op + ": " + name +
                          " is on cpu but this op runs on cuda (its inputs are cuda arrays); "
                          "every array of one op must be on one device: move it with "
                          "Tensor.to('cuda')");
  }
  throw py::type_error(op + ": " + name + " must be a cuda array, received " + type_name(obj));
}

const DeviceArray& float_arg(py::handle obj, const std::string& op, const char* name) {
  const DeviceArray& a = device_arg(obj, op, name);
  if (a.dtype() != DType::float32) {
    throw py::type_error(op + ": " + name + " must be float32, received " + dtype_name(a.dtype()));
  }
  return a;
}

const DeviceArray* optional_float(py::handle obj, const std::string& op, const char* name) {
  if (obj.is_none()) return nullptr;
  return &float_arg(obj, op, name);
}

void require_rank(const DeviceArray& a, int rank, const std::string& op, const char* name,
                  const char* layout) {
  if (static_cast<int>(a.shape().size()) != rank) {
    throw py::value_error(op + ": " + name + " must be rank " + std::to_string(rank) + " " +
                          layout + "; received shape " + shape_str(a.shape()));
  }
}

void require_shape(const Shape& got, const Shape& want, const std::string& op, const char* name,
                   const std::string& why) {
  if (got != want) {
    throw py::value_error(op + ": " + name + " must have shape " + shape_str(want) + why +
                          ", received " + shape_str(got));
  }
}

const DeviceArray& same_shape_float(py::handle obj, const Shape& like, const std::string& op,
                                    const char* name, const char* like_name) {
  const DeviceArray& a = float_arg(obj, op, name);
  require_shape(a.shape(), like, op, name, std::string(" (the shape of ") + like_name + ")");
  return a;
}

DeviceArray new_float(const Shape& shape) { return DeviceArray(shape, DType::float32); }

void bind_device_array(py::module_& m) {
  py::class_<DeviceArray>(m, "DeviceArray",
                          "A C-contiguous float32 / int32 / int64 array in device memory. Ops "
                          "return new arrays; reshape and rows are views of the same memory.")
      .def(py::init([](py::handle shape, const std::string& dtype) {
             return DeviceArray(to_shape(shape, "DeviceArray"), parse_dtype(dtype));
           }),
           py::arg("shape"), py::arg("dtype") = "float32",
           "An uninitialised array (its values are whatever the memory held).")
      .def_static("from_numpy", &from_numpy, py::arg("array"),
                  "Copy host data to a new device array (float32 stays float32, int32 stays "
                  "int32, other integers become int64, bool and other floats float32).")
      .def("numpy", &to_numpy, "Copy to a new numpy array (waits for queued work).")
      .def_property_readonly("shape",
                             [](const DeviceArray& a) {
                               py::tuple t(a.shape().size());
                               for (std::size_t i = 0; i < a.shape().size(); ++i) {
                                 t[i] = py::int_(a.shape()[i]);
                               }
                               return t;
                             })
      .def_property_readonly(
          "dtype", [](const DeviceArray& a) { return std::string(dtype_name(a.dtype())); })
      .def_property_readonly("size", &DeviceArray::size)
      .def_property_readonly("nbytes", &DeviceArray::nbytes)
      .def_property_readonly(
          "ptr", [](const DeviceArray& a) { return reinterpret_cast<std::uintptr_t>(a.data()); })
      .def(
          "reshape",
          [](const DeviceArray& a, py::handle shape) {
            return a.reshaped(to_shape(shape, "reshape"));
          },
          py::arg("shape"), "A view with another shape of the same size.")
      .def("rows", &DeviceArray::rows, py::arg("start"), py::arg("stop"),
           "A view of rows [start, stop) of axis 0.")
      .def(
          "copy",
          [](const DeviceArray& a) {
            DeviceArray out(a.shape(), a.dtype());
            py::gil_scoped_release release;
            cuda::copy_on_device(out.data(), a.data(), a.nbytes());
            return out;
          },
          "A new array with the same values.")
      .def("copy_from", &copy_into, py::arg("source"),
           "Overwrite the values with a device array or host data of the same shape and dtype.")
      .def("__repr__", [](const DeviceArray& a) {
        return "DeviceArray(shape=" + shape_str(a.shape()) + ", dtype=" + dtype_name(a.dtype()) +
               ")";
      });
}

}  // namespace ember::cuda_bindings
