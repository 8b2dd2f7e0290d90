// ember._C_cuda: the CUDA kernels on device arrays. Importing it touches no CUDA API (the driver
// may be missing); `probe()` asks for devices when ember first needs to know.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/cuda/device_array.h"
#include "bindings/cuda/modules.h"
#include "cuda/device.h"

namespace py = pybind11;
using namespace ember::cuda_bindings;

PYBIND11_MODULE(_C_cuda, m) {
  m.doc() =
      "ember's CUDA kernels (cuBLAS GEMM, conv2d, pooling, activations, dropout, batch "
      "normalization, losses, optimizer updates, LSTM/GRU/SimpleRNN sequences) on DeviceArray";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ember::cuda::OutOfMemory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });

  m.def(
      "probe",
      [] {
        ember::cuda::Probe p;
        {
          py::gil_scoped_release release;
          p = ember::cuda::probe();
        }
        return py::make_tuple(p.count, p.reason);
      },
      "(usable device count, reason there is none): loads the driver on first call; never "
      "raises.");
  m.def("runtime_version", &ember::cuda::runtime_version,
        "The CUDA runtime version this module was built with, e.g. 13000.");
  m.def("device_name", &ember::cuda::device_name, py::arg("device") = 0,
        "The name of a CUDA device.");
  m.def(
      "synchronize",
      [] {
        py::gil_scoped_release release;
        ember::cuda::synchronize();
      },
      "Wait for all queued device work (raises the first asynchronous error).");
  m.def("empty_cache", &ember::cuda::empty_cache,
        "Return the cached free blocks of the allocator to the driver.");
  m.def("memory_allocated", &ember::cuda::allocated_bytes, "Bytes held by live device arrays.");
  m.def("memory_cached", &ember::cuda::cached_bytes, "Bytes kept by the allocator for reuse.");

  bind_device_array(m);
  bind_math(m);
  bind_nn(m);
  bind_optim(m);
  bind_rnn(m);
}
