// Device memory (a caching allocator over cudaMalloc), copies and the device probe.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#include "cuda/common.cuh"

namespace ember::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what) {
  cudaGetLastError();  // clear a sticky launch error so later calls report their own
  throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorName(err) +
                           ": " + cudaGetErrorString(err));
}

namespace {

// cudaMalloc synchronizes the device and costs tens of microseconds; every op output is a new
// array, so freed blocks are kept and handed out again, as PyTorch's allocator does. Sizes are
// rounded so that blocks are reusable across slightly different requests.
class CachingAllocator {
 public:
  void* allocate(std::size_t bytes) {
    if (bytes == 0) return nullptr;
    const std::size_t size = round(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      // The smallest cached block that fits, unless it would waste more than half of itself.
      auto it = free_.lower_bound(size);
      if (it != free_.end() && it->first <= 2 * size) {
        void* ptr = it->second;
        cached_ -= it->first;
        live_ += it->first;
        free_.erase(it);
        return ptr;
      }
    }
    void* ptr = nullptr;
    cudaError_t err = cudaMalloc(&ptr, size);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      empty();
      err = cudaMalloc(&ptr, size);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw OutOfMemory("CUDA out of memory: cannot allocate " + std::to_string(size) + " bytes (" +
                        std::to_string(live_) + " bytes held by live arrays)");
    }
    check(err, "cudaMalloc");
    std::lock_guard<std::mutex> lock(mu_);
    sizes_[ptr] = size;
    live_ += size;
    return ptr;
  }

  void release(void* ptr) noexcept {
    if (ptr == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sizes_.find(ptr);
    if (it == sizes_.end()) return;
    live_ -= it->second;
    cached_ += it->second;
    free_.emplace(it->second, ptr);
  }

  void empty() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [size, ptr] : free_) {
      cudaFree(ptr);
      sizes_.erase(ptr);
    }
    free_.clear();
    cached_ = 0;
  }

  std::size_t live() const { return live_; }
  std::size_t cached() const { return cached_; }

 private:
  static std::size_t round(std::size_t bytes) {
    constexpr std::size_t kSmall = 512, kLarge = std::size_t{2} << 20;
    if (bytes < (std::size_t{1} << 20)) return (bytes + kSmall - 1) / kSmall * kSmall;
    return (bytes + kLarge - 1) / kLarge * kLarge;
  }

  std::mutex mu_;
  std::multimap<std::size_t, void*> free_;
  std::unordered_map<void*, std::size_t> sizes_;
  std::size_t live_ = 0, cached_ = 0;
};

// Never destroyed: at interpreter exit the CUDA context may already be gone, and cudaFree would
// then fail (the driver frees everything with the process anyway).
CachingAllocator& allocator() {
  static CachingAllocator* instance = new CachingAllocator();
  return *instance;
}

std::string describe(cudaError_t err) {
  switch (err) {
    case cudaErrorInsufficientDriver:
      return "no NVIDIA driver was found (or it is older than this build's CUDA runtime " +
             std::to_string(CUDART_VERSION / 1000) + "." +
             std::to_string(CUDART_VERSION % 1000 / 10) + ")";
    case cudaErrorNoDevice:
      return "no CUDA-capable device was found";
    default:
      return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(err) + ": " +
             cudaGetErrorString(err);
  }
}

}  // namespace

void* allocate(std::size_t bytes) { return allocator().allocate(bytes); }
void release(void* ptr) noexcept { allocator().release(ptr); }
void empty_cache() { allocator().empty(); }
std::size_t allocated_bytes() { return allocator().live(); }
std::size_t cached_bytes() { return allocator().cached(); }

void copy_to_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes) check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy to device");
}

void copy_to_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes) check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy to host");
}

void copy_on_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes && dst != src) {
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0), "device copy");
  }
}

void synchronize() { check(cudaDeviceSynchronize(), "synchronize"); }

Probe probe() {
  Probe p;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    p.reason = describe(err);
    return p;
  }
  if (count == 0) {
    p.reason = "no CUDA-capable device was found";
    return p;
  }
  // The build holds sm_80 machine code and sm_90 PTX: anything older than Ampere cannot run it.
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    cudaGetLastError();
    p.reason = "cudaGetDeviceProperties failed for device 0";
    return p;
  }
  if (prop.major < 8) {
    p.reason = std::string("device 0 (") + prop.name + ") has compute capability " +
               std::to_string(prop.major) + "." + std::to_string(prop.minor) +
               "; this build of ember needs 8.0 or newer";
    return p;
  }
  p.count = count;
  return p;
}

int runtime_version() {
  int v = 0;
  if (cudaRuntimeGetVersion(&v) != cudaSuccess) {
    cudaGetLastError();
    return CUDART_VERSION;
  }
  return v;
}

std::string device_name(int device) {
  cudaDeviceProp prop;
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  return prop.name;
}

}  // namespace ember::cuda
