// Optimizer updates (csrc/kernels/optim.h): Keras 3's formulas per element in double, rounded to
// float where a state or parameter is stored, as the reference kernels. One launch per tensor:
// the pointer lists are host arrays of device pointers.
#include <cmath>
#include <vector>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

__global__ void sgd_kernel(float* p, const float* g, float* vel, SgdHyper h, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const double gi = g[i];
    double pi = p[i];
    if (vel == nullptr) {
      pi -= gi * h.lr;
    } else {
      const double m = static_cast<double>(vel[i]) * h.momentum - gi * h.lr;
      vel[i] = static_cast<float>(m);
      pi += h.nesterov ? m * h.momentum - gi * h.lr : m;
    }
    p[i] = static_cast<float>(pi);
  }
}

__global__ void adam_kernel(float* p, const float* g, float* m, float* v, float* vhat, AdamHyper h,
                            i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const double gi = g[i];
    const double mi = m[i] + (gi - m[i]) * h.one_minus_beta1;
    double vi = v[i] + (gi * gi - v[i]) * h.one_minus_beta2;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    if (vhat != nullptr) {
      const double prev = vhat[i];
      vi = (prev > vi || prev != prev) ? prev : vi;  // NaN propagates, as in TensorFlow
      vhat[i] = static_cast<float>(vi);
    }
    p[i] = static_cast<float>(p[i] - mi * h.alpha / (sqrt(vi) + h.epsilon));
  }
}

__global__ void rmsprop_kernel(float* p, const float* g, float* velocity, float* momentum_buf,
                               float* average_grad, RmspropHyper h, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const double gi = g[i];
    const double vel = h.rho * static_cast<double>(velocity[i]) + h.one_minus_rho * gi * gi;
    velocity[i] = static_cast<float>(vel);
    double denom = vel + h.epsilon;
    if (average_grad != nullptr) {
      const double avg = h.rho * static_cast<double>(average_grad[i]) + h.one_minus_rho * gi;
      average_grad[i] = static_cast<float>(avg);
      denom = vel - avg * avg + h.epsilon;
    }
    double step = h.lr * gi / sqrt(denom);
    if (momentum_buf != nullptr) {
      step = h.momentum * static_cast<double>(momentum_buf[i]) + step;
      momentum_buf[i] = static_cast<float>(step);
    }
    p[i] = static_cast<float>(p[i] - step);
  }
}

__global__ void adagrad_kernel(float* p, const float* g, float* acc, AdagradHyper h, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const double gi = g[i];
    const double a = acc[i] + gi * gi;
    acc[i] = static_cast<float>(a);
    p[i] = static_cast<float>(p[i] - h.lr * gi / sqrt(a + h.epsilon));
  }
}

__global__ void scale_kernel(float* a, double factor, i64 n) {
  EMBER_GRID_STRIDE(i, n) { a[i] = static_cast<float>(static_cast<double>(a[i]) * factor); }
}

__global__ void clip_kernel(float* a, float lo, float hi, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    const float v = a[i];
    if (v < lo) a[i] = lo;
    if (v > hi) a[i] = hi;
  }
}

constexpr i64 kNormBlocks = 256;

// partials[block] = sum of squares over a fixed share of a (one block's grid-stride range), then
// a fixed tree in shared memory.
__global__ void squares_kernel(const float* a, i64 n, double* partials) {
  __shared__ double tile[kThreads];
  double acc = 0.0;
  EMBER_GRID_STRIDE(i, n) { acc += static_cast<double>(a[i]) * a[i]; }
  tile[threadIdx.x] = acc;
  __syncthreads();
  for (int width = kThreads / 2; width > 0; width /= 2) {
    if (threadIdx.x < width) tile[threadIdx.x] += tile[threadIdx.x + width];
    __syncthreads();
  }
  if (threadIdx.x == 0) partials[blockIdx.x] = tile[0];
}

__global__ void sum_in_order_kernel(const double* partials, i64 n, double* out) {
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    double acc = 0.0;
    for (i64 i = 0; i < n; ++i) acc += partials[i];
    *out = acc;
  }
}

template <typename Launch>
void each_tensor(const TensorList& list, const char* what, Launch launch) {
  for (i64 t = 0; t < list.count; ++t) {
    const i64 n = list.sizes[t];
    if (n <= 0) continue;
    launch(t, n);
    check_launch(what);
  }
}

}  // namespace

void sgd_update(const TensorList& list, float* const* params, const float* const* grads,
                float* const* velocities, const SgdHyper& h) {
  each_tensor(list, "sgd_update", [&](i64 t, i64 n) {
    sgd_kernel<<<blocks_for(n), kThreads>>>(params[t], grads[t],
                                            velocities ? velocities[t] : nullptr, h, n);
  });
}

void adam_update(const TensorList& list, float* const* params, const float* const* grads,
                 float* const* m, float* const* v, float* const* vhat, const AdamHyper& h) {
  each_tensor(list, "adam_update", [&](i64 t, i64 n) {
    adam_kernel<<<blocks_for(n), kThreads>>>(params[t], grads[t], m[t], v[t],
                                             vhat ? vhat[t] : nullptr, h, n);
  });
}

void rmsprop_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* velocity, float* const* momentum_buf, float* const* average_grad,
                    const RmspropHyper& h) {
  each_tensor(list, "rmsprop_update", [&](i64 t, i64 n) {
    rmsprop_kernel<<<blocks_for(n), kThreads>>>(params[t], grads[t], velocity[t],
                                                momentum_buf ? momentum_buf[t] : nullptr,
                                                average_grad ? average_grad[t] : nullptr, h, n);
  });
}

void adagrad_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* accumulators, const AdagradHyper& h) {
  each_tensor(list, "adagrad_update", [&](i64 t, i64 n) {
    adagrad_kernel<<<blocks_for(n), kThreads>>>(params[t], grads[t], accumulators[t], h, n);
  });
}

void weight_decay(const TensorList& list, float* const* params, float factor) {
  const double keep = 1.0 - static_cast<double>(factor);
  each_tensor(list, "weight_decay",
              [&](i64 t, i64 n) { scale_kernel<<<blocks_for(n), kThreads>>>(params[t], keep, n); });
}

double global_norm(const TensorList& list, const float* const* arrays) {
  if (list.count == 0) return 0.0;
  Scratch<double> partials(list.count * kNormBlocks);
  Scratch<double> total(1);
  i64 used = 0;
  each_tensor(list, "global_norm", [&](i64 t, i64 n) {
    const unsigned blocks = static_cast<unsigned>(std::min<i64>(blocks_for(n), kNormBlocks));
    squares_kernel<<<blocks, kThreads>>>(arrays[t], n, partials.get() + used);
    used += blocks;
  });
  if (used == 0) return 0.0;
  sum_in_order_kernel<<<1, 1>>>(partials.get(), used, total.get());
  check_launch("global_norm");
  double out = 0.0;
  copy_to_host(&out, total.get(), sizeof out);
  return std::sqrt(out);
}

void scale_arrays(const TensorList& list, float* const* arrays, float factor) {
  each_tensor(list, "scale", [&](i64 t, i64 n) {
    scale_kernel<<<blocks_for(n), kThreads>>>(arrays[t], static_cast<double>(factor), n);
  });
}

void clip_arrays(const TensorList& list, float* const* arrays, float lo, float hi) {
  each_tensor(list, "clip", [&](i64 t, i64 n) {
    clip_kernel<<<blocks_for(n), kThreads>>>(arrays[t], lo, hi, n);
  });
}

}  // namespace ember::cuda
