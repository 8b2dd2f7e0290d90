// Batch normalization over all axes but the last (channels-last), Keras semantics: the batch
// variance is biased (divided by the number of rows) and epsilon goes inside the square root.
// x is viewed as (rows, channels); gamma and beta may be null (scale=False / center=False).
//
//   train:      mean, var = batch moments; invstd = 1 / sqrt(var + epsilon)
//               y = (x - mean) * invstd * gamma + beta
//   inference:  the same with the moving mean and variance in place of the batch moments
//
// Train backward differentiates through the batch moments:
//   dbeta = sum(dy), dgamma = sum(dy * xhat), xhat = (x - mean) * invstd,
//   dx = gamma * invstd * (dy - dbeta / rows - xhat * dgamma / rows)
// Inference backward treats the moving statistics as constants: dx = dy * gamma * invstd.
//
// y is formed as (x - mean) * (gamma * invstd) + beta in double, so a large mean does not cost
// it accuracy. Per-channel sums are accumulated in double over a number of row chunks that depends
// only on the shape, then added in chunk order, so results do not depend on the thread count.
#pragma once

#include "common/types.h"

namespace ember {

struct BatchNormShape {
  i64 rows;      // product of all axes but the last, >= 1
  i64 channels;  // the last axis, >= 1
};

void batchnorm_train_forward(const BatchNormShape& s, const float* x, const float* gamma,
                             const float* beta, float epsilon, float* y, float* mean, float* var,
                             float* invstd);
void batchnorm_train_backward(const BatchNormShape& s, const float* dy, const float* x,
                              const float* gamma, const float* mean, const float* invstd, float* dx,
                              float* dgamma, float* dbeta);
void batchnorm_inference_forward(const BatchNormShape& s, const float* x, const float* gamma,
                                 const float* beta, const float* moving_mean,
                                 const float* moving_var, float epsilon, float* y);
void batchnorm_inference_backward(const BatchNormShape& s, const float* dy, const float* x,
                                  const float* gamma, const float* moving_mean,
                                  const float* moving_var, float epsilon, float* dx, float* dgamma,
                                  float* dbeta);

}  // namespace ember
