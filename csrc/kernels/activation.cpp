#include "kernels/activation.h"

#include <algorithm>

#include "common/parallel.h"
#include "gemm/isa.h"

namespace ember {
namespace {

// Elements per task: a multiple of every vector width, large enough to amortise the scheduling.
constexpr i64 kBlock = 16384;

// Runs f(begin, end) over [0, n) in kBlock pieces on the team. `cost` is the work per element
// in threads_for units (transcendental activations are worth more threads than a copy).
template <typename F>
void for_blocks(i64 n, i64 cost, F f) {
  const i64 blocks = ceil_div(n, kBlock);
  const int threads = static_cast<int>(std::min<i64>(threads_for(n * cost), blocks));
  if (threads <= 1) {
    f(i64{0}, n);
    return;
  }
  parallel_range(0, blocks, threads, [&](i64 lo, i64 hi) {
    for (i64 b = lo; b < hi; ++b) f(b * kBlock, std::min(n, (b + 1) * kBlock));
  });
}

i64 cost_of(ActFn fn) {
  switch (fn) {
    case ActFn::linear:
    case ActFn::relu:
    case ActFn::relu6:
    case ActFn::leaky_relu:
    case ActFn::hard_sigmoid:
    case ActFn::softsign:
      return 4;
    default:
      return 32;
  }
}

}  // namespace

void activation_forward(ActFn fn, float alpha, const float* x, float* y, i64 n) {
  const IsaKernels& isa = active_isa();
  for_blocks(n, cost_of(fn), [&](i64 begin, i64 end) {
    isa.act_forward(fn, alpha, x + begin, y + begin, end - begin);
  });
}

void activation_backward(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                         float* dx, i64 n) {
  const IsaKernels& isa = active_isa();
  for_blocks(n, cost_of(fn), [&](i64 begin, i64 end) {
    isa.act_backward(fn, alpha, source, dy + begin, s == nullptr ? nullptr : s + begin, dx + begin,
                     end - begin);
  });
}

bool activation_grad_from_y(ActFn fn, float alpha) {
  switch (fn) {
    case ActFn::relu:
    case ActFn::relu6:
    case ActFn::sigmoid:
    case ActFn::tanh:
    case ActFn::selu:
    case ActFn::hard_sigmoid:
    case ActFn::exponential:
      return true;
    case ActFn::leaky_relu:
      return alpha >= 0.0f;  // a negative slope maps x < 0 to y > 0
    case ActFn::elu:
      return alpha > 0.0f;  // alpha <= 0 makes y >= 0 for x < 0
    default:
      return false;
  }
}

bool activation_backward_source(ActFn fn, float alpha, bool have_x, bool have_y,
                                ActSource* source) {
  if (fn == ActFn::linear) {
    *source = ActSource::none;
    return true;
  }
  const bool prefers_y = fn == ActFn::sigmoid || fn == ActFn::tanh || fn == ActFn::exponential;
  const bool y_ok = have_y && activation_grad_from_y(fn, alpha);
  if (y_ok && (prefers_y || !have_x)) {
    *source = ActSource::y;
    return true;
  }
  if (have_x) {
    *source = ActSource::x;
    return true;
  }
  return false;
}

namespace {

// The plain-leaky case goes through TensorFlow's LeakyRelu op in Keras: its gradient at 0 is the
// slope, unlike the composite below.
bool is_plain_leaky(const ReluParams& p) {
  return p.negative_slope != 0.0f && !p.has_max && p.threshold == 0.0f;
}

}  // namespace

void relu_forward(const ReluParams& p, const float* x, float* y, i64 n) {
  const float slope = p.negative_slope, t = p.threshold, hi = p.max_value;
  const bool leaky = is_plain_leaky(p);
  // Branch-free bodies the compiler vectorizes; comparisons let NaN through.
  for_blocks(n, 4, [&](i64 begin, i64 end) {
    if (leaky) {
      for (i64 i = begin; i < end; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
      return;
    }
    for (i64 i = begin; i < end; ++i) {
      const float v = x[i];
      float pos = t != 0.0f ? (v <= t ? 0.0f : v) : (v < 0.0f ? 0.0f : v);
      if (p.has_max) {
        pos = pos < 0.0f ? 0.0f : pos;
        pos = pos > hi ? hi : pos;
      }
      if (slope != 0.0f) {
        const float neg = t - v;
        pos -= slope * (neg > 0.0f ? neg : 0.0f);
      }
      y[i] = pos;
    }
  });
}

void relu_backward(const ReluParams& p, const float* dy, const float* x, float* dx, i64 n) {
  const float slope = p.negative_slope, t = p.threshold, hi = p.max_value;
  const bool leaky = is_plain_leaky(p);
  const bool relu6 = t == 0.0f && p.has_max && hi == 6.0f;
  for_blocks(n, 4, [&](i64 begin, i64 end) {
    for (i64 i = begin; i < end; ++i) {
      const float v = x[i];
      float d;
      if (leaky) {
        d = v > 0.0f ? 1.0f : slope;
      } else {
        bool pass;
        if (t != 0.0f) {
          pass = v > t && (!p.has_max || (v >= 0.0f && v <= hi));
        } else if (relu6) {
          pass = v > 0.0f && v < 6.0f;
        } else {
          pass = v > 0.0f && (!p.has_max || v <= hi);
        }
        d = (pass ? 1.0f : 0.0f) + (v < t ? slope : 0.0f);
      }
      dx[i] = dy[i] * d;
    }
  });
}

}  // namespace ember
