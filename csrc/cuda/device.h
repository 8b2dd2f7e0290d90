// The CUDA runtime as ember uses it: device memory through a caching allocator, copies, the
// device probe and cuBLAS. Plain C++ declarations (no CUDA headers), so the pybind11 bindings
// compile with the host compiler.
//
// Every kernel runs on the legacy default stream, in issue order. That is what makes the caching
// allocator safe: a block released while kernels that read it are still queued can only be
// handed to work queued after them.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "common/types.h"

namespace ember::cuda {

// Thrown when device memory runs out even after the cache was emptied (the bindings turn it into
// MemoryError).
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `bytes` of device memory (nullptr for 0), 256-byte aligned. Reuses a cached block when one of
// a close size is free.
void* allocate(std::size_t bytes);
// Returns a block to the cache (nullptr is ignored). Never throws.
void release(void* ptr) noexcept;
// Frees every cached block (cudaFree).
void empty_cache();
// Bytes held by live arrays and by the cache.
std::size_t allocated_bytes();
std::size_t cached_bytes();

void copy_to_device(void* dst, const void* src, std::size_t bytes);
void copy_to_host(void* dst, const void* src, std::size_t bytes);
void copy_on_device(void* dst, const void* src, std::size_t bytes);
// Waits for all queued work; raises the first asynchronous error, if any.
void synchronize();

struct Probe {
  int count = 0;       // usable devices
  std::string reason;  // why there are none, when count == 0
};
// Asks the runtime for devices; never throws. The first call loads the driver (lazily, so that
// importing ember._C_cuda works on machines without one).
Probe probe();
int runtime_version();  // e.g. 13000
std::string device_name(int device);

}  // namespace ember::cuda
