// Optimizer updates over all parameters of a model in one call, in place, with the Keras 3
// formulas (keras/src/optimizers/*.py, update_step) evaluated in float32 in Keras' order of
// operations. Tensor t has sizes[t] elements; every list holds `count` tensors (state lists may
// be null where the optimizer variant does not use them).
//
// Work is split into fixed blocks of elements across all tensors and run on one team; every
// element is updated independently, so results do not depend on the thread count. global_norm
// adds per-block double partial sums in block order for the same reason.
#pragma once

#include "common/types.h"

namespace ember {

struct TensorList {
  i64 count;
  const i64* sizes;
};

// Keras SGD: with velocities, m = m * momentum - g * lr and then p += m (or, nesterov,
// p += m * momentum - g * lr); without, p -= g * lr.
struct SgdHyper {
  float lr, momentum;
  bool nesterov;
};
void sgd_update(const TensorList& list, float* const* params, const float* const* grads,
                float* const* velocities, const SgdHyper& h);

// Keras Adam (amsgrad when vhat is given), with the bias correction folded into alpha:
//   alpha = lr * sqrt(1 - beta2^step) / (1 - beta1^step)
//   m += (g - m) * (1 - beta1);  v += (g^2 - v) * (1 - beta2);  vhat = max(vhat, v)
//   p -= (m * alpha) / (sqrt(v or vhat) + epsilon)
struct AdamHyper {
  float alpha;            // the bias-corrected step size above
  float one_minus_beta1;  // 1 - beta1 and 1 - beta2, rounded to float as Keras does
  float one_minus_beta2;
  float epsilon;
};
// The hyperparameters of 1-based step `step`, formed in float32 as Keras forms them (shared by
// the CPU and CUDA bindings so both round alike).
AdamHyper adam_hyper(double lr, double beta1, double beta2, double epsilon, i64 step);
void adam_update(const TensorList& list, float* const* params, const float* const* grads,
                 float* const* m, float* const* v, float* const* vhat, const AdamHyper& h);

// Keras RMSprop:
//   vel = rho * vel + (1 - rho) * g^2
//   centered: avg = rho * avg + (1 - rho) * g; denom = vel - avg^2 + epsilon
//   otherwise denom = vel + epsilon
//   inc = lr * g / sqrt(denom)
//   with a momentum buffer: mom = momentum * mom + inc; p -= mom; otherwise p -= inc
struct RmspropHyper {
  float lr, rho, one_minus_rho, momentum, epsilon;
};
void rmsprop_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* velocity, float* const* momentum_buf, float* const* average_grad,
                    const RmspropHyper& h);

// Keras Adagrad: acc += g^2; p -= lr * g / sqrt(acc + epsilon).
struct AdagradHyper {
  float lr, epsilon;
};
void adagrad_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* accumulators, const AdagradHyper& h);

// p -= p * factor (Keras' decoupled weight decay with factor = weight_decay * lr).
void weight_decay(const TensorList& list, float* const* params, float factor);
// sqrt of the sum of squares of every element of every tensor, accumulated in double.
double global_norm(const TensorList& list, const float* const* arrays);
void scale_arrays(const TensorList& list, float* const* arrays, float factor);
// Clamps to [lo, hi]; NaN stays NaN.
void clip_arrays(const TensorList& list, float* const* arrays, float lo, float hi);

}  // namespace ember
