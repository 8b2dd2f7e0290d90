// Shared by the .cu files: error checks, launch sizes, the device activation functions and a
// deterministic column reduction.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "common/types.h"
#include "cuda/device.h"
#include "gemm/isa_table.h"

namespace ember::cuda {

// std::runtime_error "CUDA error in <what>: <name>: <description>".
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what);

inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw_cuda_error(err, what);
}
// Launch errors (bad configuration, no kernel image for this GPU) show up here; faults inside a
// kernel surface at the next synchronizing call.
inline void check_launch(const char* what) { check(cudaGetLastError(), what); }

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements (n >= 1).
inline unsigned blocks_for(i64 n) {
  const i64 b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::min<i64>(std::max<i64>(b, 1), i64{1} << 20));
}

#define EMBER_GRID_STRIDE(i, n)                                                  \
  for (i64 i = static_cast<i64>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<i64>(blockDim.x) * gridDim.x)

// A device buffer from the caching allocator, released at scope exit.
template <typename T>
class Scratch {
 public:
  explicit Scratch(i64 count) : ptr_(static_cast<T*>(allocate(sizeof(T) * count))) {}
  ~Scratch() { release(ptr_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return ptr_; }

 private:
  T* ptr_;
};

// The fused GEMM / conv epilogue activations (gemm/isa_table.h Activation).
__device__ inline float apply_activation(Activation act, float v) {
  switch (act) {
    case Activation::relu:
      return v < 0.0f ? 0.0f : v;  // NaN passes
    case Activation::tanh:
      return tanhf(v);
    case Activation::sigmoid:
      return 1.0f / (1.0f + expf(-v));
    case Activation::linear:
      break;
  }
  return v;
}

// The recurrent layers' activations (Keras 3 formulas, as csrc/ref/rnn_ref.cpp).
__device__ inline float rnn_act(RnnAct a, float x) {
  switch (a) {
    case RnnAct::tanh:
      return tanhf(x);
    case RnnAct::sigmoid:
      return 1.0f / (1.0f + expf(-x));
    case RnnAct::hard_sigmoid:
      return fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case RnnAct::relu:
      return x < 0.0f ? 0.0f : x;
    case RnnAct::linear:
      break;
  }
  return x;
}

// f'(x) from y = f(x).
__device__ inline float rnn_dact(RnnAct a, float y) {
  switch (a) {
    case RnnAct::tanh:
      return 1.0f - y * y;
    case RnnAct::sigmoid:
      return y * (1.0f - y);
    case RnnAct::hard_sigmoid:
      return y > 0.0f && y < 1.0f ? 1.0f / 6.0f : 0.0f;
    case RnnAct::relu:
      return y > 0.0f ? 1.0f : 0.0f;
    case RnnAct::linear:
      break;
  }
  return 1.0f;
}

// Deterministic column reduction: out[j] = sum over r < rows of f(r, j), accumulated in double.
// Rows are cut into a number of slabs that depends only on the shape; each block sums a 32-column
// by slab tile in a fixed order, and a second pass adds the slabs in order. Results therefore do
// not depend on the launch or the GPU.
constexpr int kColumnTile = 32;
constexpr int kColumnRows = 8;

template <typename F>
__global__ void column_partials_kernel(F f, i64 rows, i64 cols, i64 rows_per_slab,
                                       double* partials) {
  __shared__ double tile[kColumnRows][kColumnTile];
  const i64 j = static_cast<i64>(blockIdx.x) * kColumnTile + threadIdx.x;
  const i64 slab = blockIdx.y;
  const i64 begin = slab * rows_per_slab;
  const i64 end = begin + rows_per_slab < rows ? begin + rows_per_slab : rows;
  double acc = 0.0;
  if (j < cols) {
    for (i64 r = begin + threadIdx.y; r < end; r += kColumnRows) acc += f(r, j);
  }
  tile[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && j < cols) {
    double sum = 0.0;
    for (int y = 0; y < kColumnRows; ++y) sum += tile[y][threadIdx.x];
    partials[slab * cols + j] = sum;
  }
}

template <typename Out>
__global__ void column_finish_kernel(const double* partials, i64 slabs, i64 cols, double scale,
                                     Out* out) {
  EMBER_GRID_STRIDE(j, cols) {
    double sum = 0.0;
    for (i64 s = 0; s < slabs; ++s) sum += partials[s * cols + j];
    out[j] = static_cast<Out>(sum * scale);
  }
}

// out[j] = scale * sum_r f(r, j) for j < cols (Out: float or double).
template <typename F, typename Out>
void column_reduce(F f, i64 rows, i64 cols, double scale, Out* out, const char* what) {
  if (cols <= 0) return;
  const i64 slabs = std::min<i64>(std::max<i64>((rows + 4095) / 4096, 1), 256);
  const i64 rows_per_slab = (rows + slabs - 1) / slabs;
  Scratch<double> partials(slabs * cols);
  const dim3 grid(static_cast<unsigned>((cols + kColumnTile - 1) / kColumnTile),
                  static_cast<unsigned>(slabs));
  column_partials_kernel<<<grid, dim3(kColumnTile, kColumnRows)>>>(f, rows, cols, rows_per_slab,
                                                                   partials.get());
  check_launch(what);
  column_finish_kernel<<<blocks_for(cols), kThreads>>>(partials.get(), slabs, cols, scale, out);
  check_launch(what);
}

}  // namespace ember::cuda
