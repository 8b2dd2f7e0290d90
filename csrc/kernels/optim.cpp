#include "kernels/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/parallel.h"

namespace ember {
namespace {

constexpr i64 kBlock = 16384;

// The blocks of all tensors in order: block b belongs to the tensor t with
// first[t] <= b < first[t + 1] and covers its elements [(b - first[t]) * kBlock, ...).
struct Blocks {
  std::vector<i64> first;
  i64 total_blocks = 0;
  i64 total_elements = 0;
};

Blocks blocks_of(const TensorList& list) {
  Blocks b;
  b.first.resize(static_cast<std::size_t>(list.count) + 1);
  for (i64 t = 0; t < list.count; ++t) {
    b.first[static_cast<std::size_t>(t)] = b.total_blocks;
    b.total_blocks += ceil_div(list.sizes[t], kBlock);
    b.total_elements += list.sizes[t];
  }
  b.first[static_cast<std::size_t>(list.count)] = b.total_blocks;
  return b;
}

// Calls f(tensor, begin, end, block) for every block, on the team when the work is worth it.
// `cost` is threads_for work per element.
template <typename F>
void for_each_block(const TensorList& list, i64 cost, F f) {
  const Blocks b = blocks_of(list);
  const int threads =
      static_cast<int>(std::min<i64>(threads_for(b.total_elements * cost), b.total_blocks));
  auto run = [&](i64 block) {
    // The tensor holding this block: the last t with first[t] <= block (empty tensors have no
    // blocks, so upper_bound skips them).
    const auto it = std::upper_bound(b.first.begin(), b.first.end(), block);
    const i64 t = static_cast<i64>(it - b.first.begin()) - 1;
    const i64 begin = (block - b.first[static_cast<std::size_t>(t)]) * kBlock;
    f(t, begin, std::min(list.sizes[t], begin + kBlock), block);
  };
  if (threads <= 1) {
    for (i64 block = 0; block < b.total_blocks; ++block) run(block);
    return;
  }
  parallel_range(0, b.total_blocks, threads, [&](i64 lo, i64 hi) {
    for (i64 block = lo; block < hi; ++block) run(block);
  });
}

}  // namespace

void sgd_update(const TensorList& list, float* const* params, const float* const* grads,
                float* const* velocities, const SgdHyper& h) {
  const float lr = h.lr, mu = h.momentum;
  for_each_block(list, 4, [&](i64 t, i64 begin, i64 end, i64) {
    float* p = params[t];
    const float* g = grads[t];
    if (velocities == nullptr) {
      for (i64 i = begin; i < end; ++i) p[i] -= g[i] * lr;
      return;
    }
    float* m = velocities[t];
    if (h.nesterov) {
      for (i64 i = begin; i < end; ++i) {
        m[i] = m[i] * mu - g[i] * lr;
        p[i] += m[i] * mu - g[i] * lr;
      }
    } else {
      for (i64 i = begin; i < end; ++i) {
        m[i] = m[i] * mu - g[i] * lr;
        p[i] += m[i];
      }
    }
  });
}

namespace {

// One Adam span. Plain Adam and AMSGrad are separate loops over restrict pointers so both
// vectorize (sqrt and division included: this file is built with -fno-math-errno); the float
// operations and their order are Keras' either way, so the results do not depend on the width.
void adam_span(float* __restrict p, const float* __restrict g, float* __restrict m,
               float* __restrict v, float* __restrict vhat, i64 n, const AdamHyper& h) {
  const float alpha = h.alpha, b1 = h.one_minus_beta1, b2 = h.one_minus_beta2, eps = h.epsilon;
  if (vhat == nullptr) {
    for (i64 i = 0; i < n; ++i) {
      const float gi = g[i];
      const float mi = m[i] + (gi - m[i]) * b1;
      const float vi = v[i] + (gi * gi - v[i]) * b2;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (mi * alpha) / (std::sqrt(vi) + eps);
    }
    return;
  }
  for (i64 i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * b1;
    const float vi = v[i] + (gi * gi - v[i]) * b2;
    // maximum() as TensorFlow's: NaN propagates.
    const float hi = (vhat[i] > vi || vhat[i] != vhat[i]) ? vhat[i] : vi;
    m[i] = mi;
    v[i] = vi;
    vhat[i] = hi;
    p[i] -= (mi * alpha) / (std::sqrt(hi) + eps);
  }
}

}  // namespace

AdamHyper adam_hyper(double lr, double beta1, double beta2, double epsilon, i64 step) {
  // alpha = lr * sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step) in float32; 1 - beta is formed
  // in double (Python) and then cast, as Keras does.
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float t = static_cast<float>(step);
  const float alpha =
      static_cast<float>(lr) * std::sqrt(1.0f - std::pow(b2, t)) / (1.0f - std::pow(b1, t));
  return AdamHyper{alpha, static_cast<float>(1.0 - beta1), static_cast<float>(1.0 - beta2),
                   static_cast<float>(epsilon)};
}

void adam_update(const TensorList& list, float* const* params, const float* const* grads,
                 float* const* m, float* const* v, float* const* vhat, const AdamHyper& h) {
  for_each_block(list, 16, [&](i64 t, i64 begin, i64 end, i64) {
    float* ht = vhat == nullptr ? nullptr : vhat[t] + begin;
    adam_span(params[t] + begin, grads[t] + begin, m[t] + begin, v[t] + begin, ht, end - begin, h);
  });
}

void rmsprop_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* velocity, float* const* momentum_buf, float* const* average_grad,
                    const RmspropHyper& h) {
  const float lr = h.lr, rho = h.rho, omr = h.one_minus_rho, mu = h.momentum, eps = h.epsilon;
  for_each_block(list, 16, [&](i64 t, i64 begin, i64 end, i64) {
    // restrict: the binding rejects overlapping lists, and it lets the loop vectorize.
    float* __restrict p = params[t];
    const float* __restrict g = grads[t];
    float* __restrict vel = velocity[t];
    float* __restrict avg = average_grad == nullptr ? nullptr : average_grad[t];
    float* __restrict mom = momentum_buf == nullptr ? nullptr : momentum_buf[t];
    for (i64 i = begin; i < end; ++i) {
      const float gi = g[i];
      vel[i] = rho * vel[i] + omr * (gi * gi);
      float denom;
      if (avg != nullptr) {
        avg[i] = rho * avg[i] + omr * gi;
        denom = vel[i] - avg[i] * avg[i] + eps;
      } else {
        denom = vel[i] + eps;
      }
      const float inc = (lr * gi) / std::sqrt(denom);
      if (mom != nullptr) {
        mom[i] = mu * mom[i] + inc;
        p[i] -= mom[i];
      } else {
        p[i] -= inc;
      }
    }
  });
}

void adagrad_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* accumulators, const AdagradHyper& h) {
  const float lr = h.lr, eps = h.epsilon;
  for_each_block(list, 16, [&](i64 t, i64 begin, i64 end, i64) {
    float* __restrict p = params[t];
    const float* __restrict g = grads[t];
    float* __restrict acc = accumulators[t];
    for (i64 i = begin; i < end; ++i) {
      acc[i] += g[i] * g[i];
      p[i] -= (lr * g[i]) / std::sqrt(acc[i] + eps);
    }
  });
}

void weight_decay(const TensorList& list, float* const* params, float factor) {
  for_each_block(list, 2, [&](i64 t, i64 begin, i64 end, i64) {
    float* p = params[t];
    for (i64 i = begin; i < end; ++i) p[i] -= p[i] * factor;
  });
}

double global_norm(const TensorList& list, const float* const* arrays) {
  const Blocks b = blocks_of(list);
  std::vector<double> partial(static_cast<std::size_t>(b.total_blocks));
  for_each_block(list, 2, [&](i64 t, i64 begin, i64 end, i64 block) {
    const float* a = arrays[t];
    double acc = 0.0;
    for (i64 i = begin; i < end; ++i) acc += static_cast<double>(a[i]) * a[i];
    partial[static_cast<std::size_t>(block)] = acc;
  });
  double total = 0.0;
  for (double v : partial) total += v;
  return std::sqrt(total);
}

void scale_arrays(const TensorList& list, float* const* arrays, float factor) {
  for_each_block(list, 2, [&](i64 t, i64 begin, i64 end, i64) {
    float* a = arrays[t];
    for (i64 i = begin; i < end; ++i) a[i] *= factor;
  });
}

void clip_arrays(const TensorList& list, float* const* arrays, float lo, float hi) {
  for_each_block(list, 2, [&](i64 t, i64 begin, i64 end, i64) {
    float* a = arrays[t];
    for (i64 i = begin; i < end; ++i) {
      const float v = a[i] < lo ? lo : a[i];
      a[i] = v > hi ? hi : v;
    }
  });
}

}  // namespace ember
