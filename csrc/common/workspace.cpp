#include "common/workspace.h"

#include <cstdlib>
#include <new>

namespace ember {
namespace {

struct AlignedBuffer {
  float* data = nullptr;
  i64 capacity = 0;
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data); }

  float* reserve(i64 n) {
    if (n <= capacity) return data;
    // Grow by half again so a slowly growing request does not reallocate every call.
    i64 want = n + n / 2;
    std::size_t bytes = static_cast<std::size_t>(want) * sizeof(float);
    bytes = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    std::free(data);
    data = static_cast<float*>(p);
    capacity = want;
    return data;
  }
};

}  // namespace

float* thread_workspace(WorkspaceSlot slot, i64 n) {
  thread_local AlignedBuffer buffers[static_cast<int>(WorkspaceSlot::count)];
  return buffers[static_cast<int>(slot)].reserve(n < 1 ? 1 : n);
}

}  // namespace ember
