#include "bindings/arrays.h"

#include <unistd.h>

#include <stdexcept>

#include "bindings/args.h"
#include "common/checked_math.h"

namespace ember::bindings {

py::array as_real_array(py::handle obj, const std::string& op, const char* name) {
  if (obj.is_none()) {
    throw py::type_error(op + ": " + name + " must be an array, received None");
  }
  py::array arr = py::array::ensure(obj);
  if (!arr) {
    // A device array (ember.cuda.CudaArray) refuses numpy conversion: a CPU kernel was handed
    // an array from another device, which deserves a message naming both.
    if (py::hasattr(obj, "device")) {
      py::object device = obj.attr("device");
      if (py::isinstance<py::str>(device) && device.cast<std::string>() != "cpu") {
        const std::string where = device.cast<std::string>();
        throw py::value_error(op + ": " + name + " is on " + where +
                              " but this op runs on cpu (its first input is on the cpu); every "
                              "array of one op must be on one device: move them with "
                              "Tensor.to('cpu') or Tensor.to('" +
                              where + "')");
      }
    }
    throw py::type_error(op + ": " + name + " must be array-like, received " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  const char kind = arr.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
    throw py::type_error(op + ": " + name + " must hold real numbers (float32 preferred), " +
                         "received dtype " + std::string(py::str(arr.dtype())));
  }
  return arr;
}

Shape shape_of(const py::array& a) {
  Shape s;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s.push_back(static_cast<i64>(a.shape(i)));
  return s;
}

std::string shape_str(const Shape& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

void require_rank(const py::array& a, int rank, const std::string& op, const char* name,
                  const char* layout) {
  if (a.ndim() != rank) {
    throw py::value_error(op + ": " + name + " must be rank " + std::to_string(rank) + " " +
                          layout + "; received shape " + shape_str(shape_of(a)));
  }
}

void check_allocation(i64 elements, i64 element_size, const std::string& op, const char* what) {
  const i64 bytes = checked_mul(elements, element_size, op.c_str());
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0 && bytes / page_size > pages) {
    throw std::bad_alloc();  // pybind11 raises MemoryError
  }
  (void)what;
}

Float32 to_float32(const py::array& a, const std::string& op, const char* name) {
  const bool ready = py::isinstance<py::array_t<float>>(a) && (a.flags() & py::array::c_style) != 0;
  if (!ready) {
    i64 elements = 1;
    for (py::ssize_t i = 0; i < a.ndim(); ++i) {
      elements = checked_mul(elements, static_cast<i64>(a.shape(i)), op.c_str());
    }
    check_allocation(elements, 4, op, name);
  }
  return Float32::ensure(a);
}

Float32 float_output(const Shape& shape, py::handle out, const std::string& op) {
  i64 elements = 1;
  for (i64 d : shape) elements = checked_mul(elements, d, op.c_str());
  if (out.is_none()) {
    check_allocation(elements, 4, op, "output");
    return Float32(std::vector<py::ssize_t>(shape.begin(), shape.end()));
  }
  if (!py::isinstance<py::array>(out)) {
    throw py::type_error(op + ": out must be a numpy array, received " +
                         std::string(py::str(py::type::of(out).attr("__name__"))));
  }
  py::array arr = py::reinterpret_borrow<py::array>(out);
  if (!py::isinstance<py::array_t<float>>(arr) || (arr.flags() & py::array::c_style) == 0 ||
      !arr.writeable()) {
    throw py::type_error(op + ": out must be a writable C-contiguous float32 array, received " +
                         std::string(py::str(arr.dtype())) + " array");
  }
  if (shape_of(arr) != shape) {
    throw py::value_error(op + ": out must have shape " + shape_str(shape) + ", received " +
                          shape_str(shape_of(arr)));
  }
  return py::reinterpret_borrow<Float32>(arr);
}

Int32 index_output(const Shape& shape, const std::string& op) {
  i64 elements = 1;
  for (i64 d : shape) elements = checked_mul(elements, d, op.c_str());
  check_allocation(elements, 4, op, "indices");
  return Int32(std::vector<py::ssize_t>(shape.begin(), shape.end()));
}

Int32 to_indices(py::handle obj, const Shape& shape, i64 limit, const std::string& op) {
  py::array arr = py::array::ensure(obj);
  if (!arr || (arr.dtype().kind() != 'i' && arr.dtype().kind() != 'u')) {
    throw py::type_error(op + ": indices must be an integer array (from the forward pass)");
  }
  if (shape_of(arr) != shape) {
    throw py::value_error(op + ": indices must have shape " + shape_str(shape) +
                          " (the forward output's), received " + shape_str(shape_of(arr)));
  }
  auto check = [&](auto* p, py::ssize_t size) {
    // One vectorizable min/max pass; the message then looks for an offender.
    auto lo = p[0], hi = p[0];
    for (py::ssize_t i = 1; i < size; ++i) {
      lo = p[i] < lo ? p[i] : lo;
      hi = p[i] > hi ? p[i] : hi;
    }
    if (lo < 0 || static_cast<i64>(hi) >= limit) {
      const i64 bad = lo < 0 ? static_cast<i64>(lo) : static_cast<i64>(hi);
      throw py::value_error(op + ": indices must lie in [0, " + std::to_string(limit) +
                            ") (positions in one image plane), received " + std::to_string(bad));
    }
  };
  if (py::isinstance<Int32>(arr) && (arr.flags() & py::array::c_style) != 0) {
    Int32 idx = py::reinterpret_borrow<Int32>(arr);
    check(idx.data(), idx.size());
    return idx;
  }
  // Other integer types: check in a wide type first, so no value wraps on the way to int32.
  using Wide = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
  Wide wide = Wide::ensure(arr);
  check(wide.data(), wide.size());
  Int32 idx(std::vector<py::ssize_t>(shape.begin(), shape.end()));
  std::int32_t* out = idx.mutable_data();
  const std::int64_t* p = wide.data();
  for (py::ssize_t i = 0; i < wide.size(); ++i) out[i] = static_cast<std::int32_t>(p[i]);
  return idx;
}

void require_shape(const Shape& got, const Shape& want, const std::string& op, const char* name,
                   const std::string& why) {
  if (got != want) {
    throw py::value_error(op + ": " + name + " must have shape " + shape_str(want) + why +
                          ", received " + shape_str(got));
  }
}

bool optional_vector(py::handle obj, i64 n, const std::string& op, const char* name,
                     const std::string& why, Float32* out) {
  if (obj.is_none()) return false;
  py::array raw = as_real_array(obj, op, name);
  require_shape(shape_of(raw), {n}, op, name, why);
  *out = to_float32(raw, op, name);
  return true;
}

Shape parse_shape(py::handle obj, int rank, const std::string& op, const char* name) {
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj)) {
    throw py::type_error(op + ": " + name + " must be a tuple of " + std::to_string(rank) +
                         " ints");
  }
  py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
  if (static_cast<int>(seq.size()) != rank) {
    throw py::value_error(op + ": " + name + " must have " + std::to_string(rank) +
                          " entries, received " + std::to_string(seq.size()));
  }
  Shape out;
  for (py::handle item : seq) {
    const i64 v = to_i64(item, op, name);
    if (v < 1) {
      throw py::value_error(op + ": " + name + " entries must be >= 1, received " +
                            std::string(py::str(py::repr(obj))));
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace ember::bindings
