// ember._C_cuda.DeviceArray: a float32 / int32 / int64 C-contiguous array in device memory, and
// the argument checks every CUDA binding shares. Errors name the op and the argument, with what
// was expected and what was received; a numpy array where a device array belongs is a ValueError
// naming both devices.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/types.h"

namespace ember::cuda_bindings {

namespace py = pybind11;
using Shape = std::vector<i64>;

enum class DType : int { float32, int32, int64 };

std::size_t itemsize_of(DType dtype);
const char* dtype_name(DType dtype);

// Device memory that returns to the caching allocator when the last array viewing it goes.
struct Buffer {
  explicit Buffer(std::size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* ptr = nullptr;
};

class DeviceArray {
 public:
  DeviceArray() = default;
  // A new uninitialised array (overflow-checked; MemoryError when the device is full).
  DeviceArray(const Shape& shape, DType dtype);

  const Shape& shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  i64 size() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(size()) * itemsize_of(dtype_); }
  void* data() const;
  float* f32() const { return static_cast<float*>(data()); }
  std::int32_t* i32() const { return static_cast<std::int32_t*>(data()); }
  std::int64_t* i64p() const { return static_cast<std::int64_t*>(data()); }

  // The same memory with another shape of the same size.
  DeviceArray reshaped(const Shape& shape) const;
  // Rows [start, stop) of axis 0: contiguous in a C-ordered array, so a view.
  DeviceArray rows(i64 start, i64 stop) const;

 private:
  std::shared_ptr<Buffer> buffer_;
  std::size_t offset_ = 0;  // bytes
  Shape shape_;
  DType dtype_ = DType::float32;
};

std::string shape_str(const Shape& shape);

// The device array passed as `name`: TypeError for None and for objects that are not arrays,
// ValueError for a numpy array (a host array in a device op).
const DeviceArray& device_arg(py::handle obj, const std::string& op, const char* name);
// The same, and its dtype must be float32.
const DeviceArray& float_arg(py::handle obj, const std::string& op, const char* name);
// None -> nullptr, otherwise float_arg.
const DeviceArray* optional_float(py::handle obj, const std::string& op, const char* name);

void require_rank(const DeviceArray& a, int rank, const std::string& op, const char* name,
                  const char* layout);
void require_shape(const Shape& got, const Shape& want, const std::string& op, const char* name,
                   const std::string& why = "");

// A device array of the same shape as `like` (named like_name in the message), float32.
const DeviceArray& same_shape_float(py::handle obj, const Shape& like, const std::string& op,
                                    const char* name, const char* like_name);

// A new float32 array.
DeviceArray new_float(const Shape& shape);

void bind_device_array(py::module_& m);

}  // namespace ember::cuda_bindings
