// Reference batch normalization: moments and gradients per channel in double, two passes.
#include <cmath>
#include <vector>

#include "ref/ref.h"

namespace ember::ref {

namespace {

// Per-channel mean and biased variance in double, two passes.
void moments(const BatchNormShape& s, const float* x, std::vector<double>& mean,
             std::vector<double>& var) {
  const i64 c = s.channels;
  mean.assign(static_cast<std::size_t>(c), 0.0);
  var.assign(static_cast<std::size_t>(c), 0.0);
  for (i64 r = 0; r < s.rows; ++r) {
    for (i64 j = 0; j < c; ++j) mean[static_cast<std::size_t>(j)] += x[r * c + j];
  }
  for (double& m : mean) m /= static_cast<double>(s.rows);
  for (i64 r = 0; r < s.rows; ++r) {
    for (i64 j = 0; j < c; ++j) {
      const double d = x[r * c + j] - mean[static_cast<std::size_t>(j)];
      var[static_cast<std::size_t>(j)] += d * d;
    }
  }
  for (double& v : var) v /= static_cast<double>(s.rows);
}

void normalize(const BatchNormShape& s, const float* x, const float* gamma, const float* beta,
               const double* mean, const double* invstd, float* y) {
  const i64 c = s.channels;
  for (i64 r = 0; r < s.rows; ++r) {
    for (i64 j = 0; j < c; ++j) {
      const double xhat = (x[r * c + j] - mean[j]) * invstd[j];
      y[r * c + j] = static_cast<float>(xhat * (gamma ? gamma[j] : 1.0) + (beta ? beta[j] : 0.0));
    }
  }
}

}  // namespace

void batchnorm_train_forward(const BatchNormShape& s, const float* x, const float* gamma,
                             const float* beta, float epsilon, float* y, float* mean, float* var,
                             float* invstd) {
  std::vector<double> m, v, inv(static_cast<std::size_t>(s.channels));
  moments(s, x, m, v);
  for (i64 j = 0; j < s.channels; ++j) {
    const std::size_t k = static_cast<std::size_t>(j);
    inv[k] = 1.0 / std::sqrt(v[k] + epsilon);
    mean[j] = static_cast<float>(m[k]);
    var[j] = static_cast<float>(v[k]);
    invstd[j] = static_cast<float>(inv[k]);
  }
  normalize(s, x, gamma, beta, m.data(), inv.data(), y);
}

void batchnorm_train_backward(const BatchNormShape& s, const float* dy, const float* x,
                              const float* gamma, const float* mean, const float* invstd, float* dx,
                              float* dgamma, float* dbeta) {
  const i64 c = s.channels;
  const double n = static_cast<double>(s.rows);
  for (i64 j = 0; j < c; ++j) {
    double db = 0.0, dg = 0.0;
    for (i64 r = 0; r < s.rows; ++r) {
      db += dy[r * c + j];
      dg += static_cast<double>(dy[r * c + j]) * (x[r * c + j] - static_cast<double>(mean[j])) *
            invstd[j];
    }
    dbeta[j] = static_cast<float>(db);
    dgamma[j] = static_cast<float>(dg);
    const double g = gamma ? gamma[j] : 1.0;
    for (i64 r = 0; r < s.rows; ++r) {
      const double xhat = (x[r * c + j] - static_cast<double>(mean[j])) * invstd[j];
      dx[r * c + j] = static_cast<float>(g * invstd[j] / n * (n * dy[r * c + j] - db - xhat * dg));
    }
  }
}

void batchnorm_inference_forward(const BatchNormShape& s, const float* x, const float* gamma,
                                 const float* beta, const float* moving_mean,
                                 const float* moving_var, float epsilon, float* y) {
  std::vector<double> m(moving_mean, moving_mean + s.channels), inv(m.size());
  for (std::size_t j = 0; j < inv.size(); ++j) {
    inv[j] = 1.0 / std::sqrt(static_cast<double>(moving_var[j]) + epsilon);
  }
  normalize(s, x, gamma, beta, m.data(), inv.data(), y);
}

void batchnorm_inference_backward(const BatchNormShape& s, const float* dy, const float* x,
                                  const float* gamma, const float* moving_mean,
                                  const float* moving_var, float epsilon, float* dx, float* dgamma,
                                  float* dbeta) {
  const i64 c = s.channels;
  for (i64 j = 0; j < c; ++j) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(moving_var[j]) + epsilon);
    const double g = gamma ? gamma[j] : 1.0;
    double db = 0.0, dg = 0.0;
    for (i64 r = 0; r < s.rows; ++r) {
      const double d = dy[r * c + j];
      db += d;
      dg += d * (x[r * c + j] - static_cast<double>(moving_mean[j])) * inv;
      dx[r * c + j] = static_cast<float>(d * g * inv);
    }
    dbeta[j] = static_cast<float>(db);
    dgamma[j] = static_cast<float>(dg);
  }
}

}  // namespace ember::ref
