// GEMM through cuBLAS with ember's row-major conventions and fused epilogue, and column sums.
#include <cublas_v2.h>

#include <climits>
#include <mutex>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "cuBLAS error";
  }
}

void check_cublas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("cuBLAS error in ") + what + ": " + cublas_status_name(s) +
                             " (" + std::to_string(static_cast<int>(s)) + ")");
  }
}

// One handle for the process, created on first use (creating it initialises the device, which
// must not happen at import). It runs on the default stream with the default math mode, which
// keeps SGEMM in full FP32: TF32 tensor-core math would round the inputs to 10 mantissa bits and
// break agreement with the CPU kernels.
cublasHandle_t handle() {
  static cublasHandle_t h = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    check_cublas(cublasCreate(&h), "cublasCreate");
    check_cublas(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  });
  return h;
}

int as_int(i64 v, const char* what) {
  if (v < 0 || v > INT_MAX) {
    throw std::invalid_argument(std::string("gemm: ") + what + " " + std::to_string(v) +
                                " exceeds cuBLAS's 32-bit sizes");
  }
  return static_cast<int>(v);
}

__global__ void epilogue_kernel(float* c, i64 m, i64 n, i64 ldc, const float* bias,
                                Activation act) {
  EMBER_GRID_STRIDE(i, m * n) {
    const i64 r = i / n, j = i - r * n;
    float v = c[r * ldc + j];
    if (bias != nullptr) v += bias[j];
    c[r * ldc + j] = apply_activation(act, v);
  }
}

struct ColumnOf {
  const float* x;
  i64 cols;
  __device__ double operator()(i64 r, i64 j) const { return x[r * cols + j]; }
};

}  // namespace

void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const float* bias,
          Activation act) {
  // cuBLAS is column-major: a row-major C is a column-major C^T, and C^T = op(B)^T op(A)^T, so
  // the operands swap places and keep their own transpose flags and row strides.
  const cublasOperation_t opa = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opb = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  check_cublas(
      cublasSgemm(handle(), opb, opa, as_int(n, "n"), as_int(m, "m"), as_int(k, "k"), &alpha, b,
                  as_int(ldb, "ldb"), a, as_int(lda, "lda"), &beta, c, as_int(ldc, "ldc")),
      "cublasSgemm");
  if (bias != nullptr || act != Activation::linear) {
    epilogue_kernel<<<blocks_for(m * n), kThreads>>>(c, m, n, ldc, bias, act);
    check_launch("gemm epilogue");
  }
}

void column_sums(const float* x, i64 rows, i64 cols, float* out) {
  column_reduce(ColumnOf{x, cols}, rows, cols, 1.0, out, "column_sums");
}

}  // namespace ember::cuda
