// Reference optimizer updates: the formulas of kernels/optim.h per element in double, rounded to
// float where a state or parameter is stored.
#include <cmath>

#include "ref/ref.h"

namespace ember::ref {

void sgd_update(const TensorList& list, float* const* params, const float* const* grads,
                float* const* velocities, const SgdHyper& h) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      const double g = grads[t][i];
      double p = params[t][i];
      if (velocities == nullptr) {
        p -= g * h.lr;
      } else {
        const double m = static_cast<double>(velocities[t][i]) * h.momentum - g * h.lr;
        velocities[t][i] = static_cast<float>(m);
        p += h.nesterov ? m * h.momentum - g * h.lr : m;
      }
      params[t][i] = static_cast<float>(p);
    }
  }
}

void adam_update(const TensorList& list, float* const* params, const float* const* grads,
                 float* const* m, float* const* v, float* const* vhat, const AdamHyper& h) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      const double g = grads[t][i];
      const double mi = m[t][i] + (g - m[t][i]) * h.one_minus_beta1;
      double vi = v[t][i] + (g * g - v[t][i]) * h.one_minus_beta2;
      m[t][i] = static_cast<float>(mi);
      v[t][i] = static_cast<float>(vi);
      if (vhat != nullptr) {
        const double prev = vhat[t][i];
        vi = (prev > vi || prev != prev) ? prev : vi;  // NaN propagates, as in TensorFlow
        vhat[t][i] = static_cast<float>(vi);
      }
      params[t][i] = static_cast<float>(params[t][i] - mi * h.alpha / (std::sqrt(vi) + h.epsilon));
    }
  }
}

void rmsprop_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* velocity, float* const* momentum_buf, float* const* average_grad,
                    const RmspropHyper& h) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      const double g = grads[t][i];
      const double vel = h.rho * static_cast<double>(velocity[t][i]) + h.one_minus_rho * g * g;
      velocity[t][i] = static_cast<float>(vel);
      double denom = vel + h.epsilon;
      if (average_grad != nullptr) {
        const double avg = h.rho * static_cast<double>(average_grad[t][i]) + h.one_minus_rho * g;
        average_grad[t][i] = static_cast<float>(avg);
        denom = vel - avg * avg + h.epsilon;
      }
      double step = h.lr * g / std::sqrt(denom);
      if (momentum_buf != nullptr) {
        step = h.momentum * static_cast<double>(momentum_buf[t][i]) + step;
        momentum_buf[t][i] = static_cast<float>(step);
      }
      params[t][i] = static_cast<float>(params[t][i] - step);
    }
  }
}

void adagrad_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* accumulators, const AdagradHyper& h) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      const double g = grads[t][i];
      const double acc = accumulators[t][i] + g * g;
      accumulators[t][i] = static_cast<float>(acc);
      params[t][i] = static_cast<float>(params[t][i] - h.lr * g / std::sqrt(acc + h.epsilon));
    }
  }
}

void weight_decay(const TensorList& list, float* const* params, float factor) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      params[t][i] = static_cast<float>(params[t][i] * (1.0 - static_cast<double>(factor)));
    }
  }
}

double global_norm(const TensorList& list, const float* const* arrays) {
  double acc = 0.0;
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) acc += static_cast<double>(arrays[t][i]) * arrays[t][i];
  }
  return std::sqrt(acc);
}

void scale_arrays(const TensorList& list, float* const* arrays, float factor) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      arrays[t][i] = static_cast<float>(static_cast<double>(arrays[t][i]) * factor);
    }
  }
}

void clip_arrays(const TensorList& list, float* const* arrays, float lo, float hi) {
  for (i64 t = 0; t < list.count; ++t) {
    for (i64 i = 0; i < list.sizes[t]; ++i) {
      const float v = arrays[t][i];
      if (v < lo) arrays[t][i] = lo;
      if (v > hi) arrays[t][i] = hi;
    }
  }
}

}  // namespace ember::ref
