// Elementwise arithmetic with numpy broadcasting, reductions and layout changes for the device
// array type. Arithmetic runs in float32, as numpy does on float32 arrays; sums in double.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

__device__ inline float apply_binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::add:
      return a + b;
    case BinaryOp::subtract:
      return a - b;
    case BinaryOp::multiply:
      return a * b;
    case BinaryOp::divide:
      return a / b;
    case BinaryOp::maximum:  // numpy: NaN wins
      return (a != a || a >= b) ? a : b;
    case BinaryOp::minimum:
      return (a != a || a <= b) ? a : b;
    case BinaryOp::power:
      return powf(a, b);
    case BinaryOp::greater:
      return a > b ? 1.0f : 0.0f;
    case BinaryOp::greater_equal:
      return a >= b ? 1.0f : 0.0f;
    case BinaryOp::less:
      return a < b ? 1.0f : 0.0f;
    case BinaryOp::less_equal:
      return a <= b ? 1.0f : 0.0f;
    case BinaryOp::equal:
      return a == b ? 1.0f : 0.0f;
    case BinaryOp::not_equal:
      return a != b ? 1.0f : 0.0f;
  }
  return 0.0f;
}

__device__ inline float apply_unary(UnaryOp op, float x, float p0, float p1) {
  switch (op) {
    case UnaryOp::negative:
      return -x;
    case UnaryOp::exp:
      return expf(x);
    case UnaryOp::log:
      return logf(x);
    case UnaryOp::sqrt:
      return sqrtf(x);
    case UnaryOp::abs:
      return fabsf(x);
    case UnaryOp::sign:
      return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);  // sign(0) = 0, sign(NaN) = NaN
    case UnaryOp::square:
      return x * x;
    case UnaryOp::tanh:
      return tanhf(x);
    case UnaryOp::reciprocal:
      return 1.0f / x;
    case UnaryOp::clip:  // numpy's clip: NaN stays NaN
      return x < p0 ? p0 : (x > p1 ? p1 : x);
    case UnaryOp::power:
      return powf(x, p0);
    case UnaryOp::affine:
      return x * p0 + p1;
    case UnaryOp::rsub:
      return p0 - x;
    case UnaryOp::rdiv:
      return p0 / x;
    case UnaryOp::logical_not:
      return x == 0.0f ? 1.0f : 0.0f;
    case UnaryOp::isfinite:
      return isfinite(x) ? 1.0f : 0.0f;
  }
  return x;
}

// Offsets of element i of the output into a and b.
__device__ inline void strided_offsets(const Strided& s, i64 i, i64* oa, i64* ob) {
  i64 a = 0, b = 0;
  for (int d = s.ndim - 1; d >= 0; --d) {
    const i64 q = i / s.shape[d];
    const i64 r = i - q * s.shape[d];
    a += r * s.a_strides[d];
    b += r * s.b_strides[d];
    i = q;
  }
  *oa = a;
  *ob = b;
}

__global__ void binary_kernel(BinaryOp op, const float* a, const float* b, float* out, Strided s,
                              i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    i64 oa, ob;
    strided_offsets(s, i, &oa, &ob);
    out[i] = apply_binary(op, a[oa], b[ob]);
  }
}

__global__ void binary_same_kernel(BinaryOp op, const float* a, const float* b, float* out, i64 n) {
  EMBER_GRID_STRIDE(i, n) { out[i] = apply_binary(op, a[i], b[i]); }
}

__global__ void binary_scalar_kernel(BinaryOp op, const float* a, float scalar, bool scalar_first,
                                     float* out, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    out[i] = scalar_first ? apply_binary(op, scalar, a[i]) : apply_binary(op, a[i], scalar);
  }
}

__global__ void unary_kernel(UnaryOp op, const float* a, float* out, i64 n, float p0, float p1) {
  EMBER_GRID_STRIDE(i, n) { out[i] = apply_unary(op, a[i], p0, p1); }
}

__global__ void gather_kernel(const float* a, float* out, Strided s, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    i64 oa, ob;
    strided_offsets(s, i, &oa, &ob);
    out[i] = a[oa];
  }
}

__device__ inline i64 offset_of(i64 index, int dims, const i64* shape, const i64* strides) {
  i64 off = 0;
  for (int d = dims - 1; d >= 0; --d) {
    const i64 q = index / shape[d];
    off += (index - q * shape[d]) * strides[d];
    index = q;
  }
  return off;
}

// Few elements per output: one thread each, summing in order.
__global__ void reduce_thread_kernel(const float* a, float* out, Reduction r, i64 outputs,
                                     i64 per_output, double scale) {
  EMBER_GRID_STRIDE(o, outputs) {
    const i64 base = offset_of(o, r.kept, r.kept_shape, r.kept_strides);
    double acc = 0.0;
    for (i64 k = 0; k < per_output; ++k) {
      acc += a[base + offset_of(k, r.reduced, r.red_shape, r.red_strides)];
    }
    out[o] = static_cast<float>(acc * scale);
  }
}

// Many elements per output: one block each, threads striding over them, then a fixed-shape
// tree in shared memory (the same order on every run).
__global__ void reduce_block_kernel(const float* a, float* out, Reduction r, i64 outputs,
                                    i64 per_output, double scale) {
  __shared__ double partial[kThreads];
  for (i64 o = blockIdx.x; o < outputs; o += gridDim.x) {
    const i64 base = offset_of(o, r.kept, r.kept_shape, r.kept_strides);
    double acc = 0.0;
    for (i64 k = threadIdx.x; k < per_output; k += blockDim.x) {
      acc += a[base + offset_of(k, r.reduced, r.red_shape, r.red_strides)];
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int width = kThreads / 2; width > 0; width /= 2) {
      if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
      __syncthreads();
    }
    if (threadIdx.x == 0) out[o] = static_cast<float>(partial[0] * scale);
    __syncthreads();
  }
}

__global__ void fill_kernel(float* out, float value, i64 n) {
  EMBER_GRID_STRIDE(i, n) { out[i] = value; }
}

template <typename From, typename To>
__global__ void cast_kernel(const From* a, To* out, i64 n) {
  EMBER_GRID_STRIDE(i, n) { out[i] = static_cast<To>(a[i]); }
}

bool dense_same_shape(const Strided& s) {
  i64 expect = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    if (s.shape[d] != 1 && (s.a_strides[d] != expect || s.b_strides[d] != expect)) return false;
    expect *= s.shape[d];
  }
  return true;
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* out, const Strided& s, i64 n) {
  if (n <= 0) return;
  if (dense_same_shape(s)) {
    binary_same_kernel<<<blocks_for(n), kThreads>>>(op, a, b, out, n);
  } else {
    binary_kernel<<<blocks_for(n), kThreads>>>(op, a, b, out, s, n);
  }
  check_launch("binary");
}

void binary_scalar(BinaryOp op, const float* a, float scalar, bool scalar_first, float* out,
                   i64 n) {
  if (n <= 0) return;
  binary_scalar_kernel<<<blocks_for(n), kThreads>>>(op, a, scalar, scalar_first, out, n);
  check_launch("binary_scalar");
}

void unary(UnaryOp op, const float* a, float* out, i64 n, float p0, float p1) {
  if (n <= 0) return;
  unary_kernel<<<blocks_for(n), kThreads>>>(op, a, out, n, p0, p1);
  check_launch("unary");
}

void gather_strided(const float* a, float* out, const Strided& s, i64 n) {
  if (n <= 0) return;
  gather_kernel<<<blocks_for(n), kThreads>>>(a, out, s, n);
  check_launch("gather_strided");
}

void reduce_sum(const float* a, float* out, const Reduction& r, i64 outputs, i64 per_output,
                double scale) {
  if (outputs <= 0) return;
  if (per_output < 256) {
    reduce_thread_kernel<<<blocks_for(outputs), kThreads>>>(a, out, r, outputs, per_output, scale);
  } else {
    const unsigned blocks = static_cast<unsigned>(std::min<i64>(outputs, i64{1} << 16));
    reduce_block_kernel<<<blocks, kThreads>>>(a, out, r, outputs, per_output, scale);
  }
  check_launch("reduce_sum");
}

void fill(float* out, float value, i64 n) {
  if (n <= 0) return;
  fill_kernel<<<blocks_for(n), kThreads>>>(out, value, n);
  check_launch("fill");
}

void cast_int32_to_float(const std::int32_t* a, float* out, i64 n) {
  if (n <= 0) return;
  cast_kernel<<<blocks_for(n), kThreads>>>(a, out, n);
  check_launch("cast");
}

void cast_int64_to_float(const std::int64_t* a, float* out, i64 n) {
  if (n <= 0) return;
  cast_kernel<<<blocks_for(n), kThreads>>>(a, out, n);
  check_launch("cast");
}

void cast_float_to_int64(const float* a, std::int64_t* out, i64 n) {
  if (n <= 0) return;
  cast_kernel<<<blocks_for(n), kThreads>>>(a, out, n);
  check_launch("cast");
}

}  // namespace ember::cuda
