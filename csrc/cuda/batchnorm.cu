// Batch normalization over (rows, channels) (csrc/kernels/batchnorm.h): per-channel moments and
// gradient sums with the deterministic column reduction in double, elementwise passes per element.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

struct Value {
  const float* x;
  i64 c;
  __device__ double operator()(i64 r, i64 j) const { return x[r * c + j]; }
};

struct SquaredDeviation {
  const float* x;
  const double* mean;
  i64 c;
  __device__ double operator()(i64 r, i64 j) const {
    const double d = x[r * c + j] - mean[j];
    return d * d;
  }
};

// dy * (x - mean) * invstd, the per-element term of dgamma.
template <typename M, typename S>
struct ScaledProduct {
  const float* dy;
  const float* x;
  const M* mean;
  const S* invstd;
  i64 c;
  __device__ double operator()(i64 r, i64 j) const {
    return static_cast<double>(dy[r * c + j]) * (x[r * c + j] - static_cast<double>(mean[j])) *
           static_cast<double>(invstd[j]);
  }
};

__global__ void finish_moments_kernel(const double* mean, const double* var, float epsilon, i64 c,
                                      double* inv, float* mean_out, float* var_out,
                                      float* invstd_out) {
  EMBER_GRID_STRIDE(j, c) {
    inv[j] = 1.0 / sqrt(var[j] + epsilon);
    mean_out[j] = static_cast<float>(mean[j]);
    var_out[j] = static_cast<float>(var[j]);
    invstd_out[j] = static_cast<float>(inv[j]);
  }
}

__global__ void normalize_kernel(const float* x, const float* gamma, const float* beta,
                                 const double* mean, const double* inv, i64 rows, i64 c, float* y) {
  EMBER_GRID_STRIDE(i, rows * c) {
    const i64 j = i % c;
    const double xhat = (x[i] - mean[j]) * inv[j];
    y[i] = static_cast<float>(xhat * (gamma ? gamma[j] : 1.0) + (beta ? beta[j] : 0.0));
  }
}

__global__ void moving_inverse_kernel(const float* moving_mean, const float* moving_var,
                                      float epsilon, i64 c, double* mean, double* inv) {
  EMBER_GRID_STRIDE(j, c) {
    mean[j] = moving_mean[j];
    inv[j] = 1.0 / sqrt(static_cast<double>(moving_var[j]) + epsilon);
  }
}

__global__ void train_dx_kernel(const float* dy, const float* x, const float* gamma,
                                const float* mean, const float* invstd, const double* db,
                                const double* dg, i64 rows, i64 c, float* dx) {
  const double n = static_cast<double>(rows);
  EMBER_GRID_STRIDE(i, rows * c) {
    const i64 j = i % c;
    const double g = gamma ? gamma[j] : 1.0;
    const double xhat = (x[i] - static_cast<double>(mean[j])) * invstd[j];
    dx[i] = static_cast<float>(g * invstd[j] / n * (n * dy[i] - db[j] - xhat * dg[j]));
  }
}

__global__ void inference_dx_kernel(const float* dy, const float* gamma, const double* inv,
                                    i64 rows, i64 c, float* dx) {
  EMBER_GRID_STRIDE(i, rows * c) {
    const i64 j = i % c;
    dx[i] = static_cast<float>(dy[i] * (gamma ? gamma[j] : 1.0) * inv[j]);
  }
}

__global__ void to_float_kernel(const double* a, const double* b, i64 c, float* fa, float* fb) {
  EMBER_GRID_STRIDE(j, c) {
    fa[j] = static_cast<float>(a[j]);
    fb[j] = static_cast<float>(b[j]);
  }
}

}  // namespace

void batchnorm_train_forward(const BatchNormShape& s, const float* x, const float* gamma,
                             const float* beta, float epsilon, float* y, float* mean, float* var,
                             float* invstd) {
  const i64 rows = s.rows, c = s.channels;
  Scratch<double> m(c), v(c), inv(c);
  const double per_row = 1.0 / static_cast<double>(rows);
  column_reduce(Value{x, c}, rows, c, per_row, m.get(), "batchnorm moments");
  column_reduce(SquaredDeviation{x, m.get(), c}, rows, c, per_row, v.get(), "batchnorm moments");
  finish_moments_kernel<<<blocks_for(c), kThreads>>>(m.get(), v.get(), epsilon, c, inv.get(), mean,
                                                     var, invstd);
  check_launch("batchnorm moments");
  normalize_kernel<<<blocks_for(rows * c), kThreads>>>(x, gamma, beta, m.get(), inv.get(), rows, c,
                                                       y);
  check_launch("batchnorm normalize");
}

void batchnorm_train_backward(const BatchNormShape& s, const float* dy, const float* x,
                              const float* gamma, const float* mean, const float* invstd, float* dx,
                              float* dgamma, float* dbeta) {
  const i64 rows = s.rows, c = s.channels;
  Scratch<double> db(c), dg(c);
  column_reduce(Value{dy, c}, rows, c, 1.0, db.get(), "batchnorm backward");
  column_reduce(ScaledProduct<float, float>{dy, x, mean, invstd, c}, rows, c, 1.0, dg.get(),
                "batchnorm backward");
  to_float_kernel<<<blocks_for(c), kThreads>>>(dg.get(), db.get(), c, dgamma, dbeta);
  check_launch("batchnorm backward");
  train_dx_kernel<<<blocks_for(rows * c), kThreads>>>(dy, x, gamma, mean, invstd, db.get(),
                                                      dg.get(), rows, c, dx);
  check_launch("batchnorm backward");
}

void batchnorm_inference_forward(const BatchNormShape& s, const float* x, const float* gamma,
                                 const float* beta, const float* moving_mean,
                                 const float* moving_var, float epsilon, float* y) {
  const i64 rows = s.rows, c = s.channels;
  Scratch<double> m(c), inv(c);
  moving_inverse_kernel<<<blocks_for(c), kThreads>>>(moving_mean, moving_var, epsilon, c, m.get(),
                                                     inv.get());
  check_launch("batchnorm inference");
  normalize_kernel<<<blocks_for(rows * c), kThreads>>>(x, gamma, beta, m.get(), inv.get(), rows, c,
                                                       y);
  check_launch("batchnorm inference");
}

void batchnorm_inference_backward(const BatchNormShape& s, const float* dy, const float* x,
                                  const float* gamma, const float* moving_mean,
                                  const float* moving_var, float epsilon, float* dx, float* dgamma,
                                  float* dbeta) {
  const i64 rows = s.rows, c = s.channels;
  Scratch<double> m(c), inv(c), db(c), dg(c);
  moving_inverse_kernel<<<blocks_for(c), kThreads>>>(moving_mean, moving_var, epsilon, c, m.get(),
                                                     inv.get());
  check_launch("batchnorm inference backward");
  column_reduce(Value{dy, c}, rows, c, 1.0, db.get(), "batchnorm inference backward");
  column_reduce(ScaledProduct<double, double>{dy, x, m.get(), inv.get(), c}, rows, c, 1.0, dg.get(),
                "batchnorm inference backward");
  to_float_kernel<<<blocks_for(c), kThreads>>>(dg.get(), db.get(), c, dgamma, dbeta);
  check_launch("batchnorm inference backward");
  inference_dx_kernel<<<blocks_for(rows * c), kThreads>>>(dy, gamma, inv.get(), rows, c, dx);
  check_launch("batchnorm inference backward");
}

}  // namespace ember::cuda
