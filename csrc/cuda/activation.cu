// Elementwise activations, softmax and dropout: csrc/ref/activation_ref.cpp's formulas (computed
// in double, as there) one element or one row per thread.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kPi = 3.14159265358979323846;

__device__ inline double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

__device__ inline double gelu_tanh_inner(double x) {
  return sqrt(2.0 / kPi) * (x + 0.044715 * x * x * x);
}

// NaN-preserving clamp.
__device__ inline double clamp(double x, double lo, double hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}

__device__ double act_forward(ActFn fn, double a, double x) {
  switch (fn) {
    case ActFn::linear:
      return x;
    case ActFn::relu:
      return x < 0.0 ? 0.0 : x;
    case ActFn::relu6:
      return clamp(x, 0.0, 6.0);
    case ActFn::leaky_relu:
      return x > 0.0 ? x : a * x;
    case ActFn::sigmoid:
      return sigmoid(x);
    case ActFn::tanh:
      return tanh(x);
    case ActFn::elu:
      return x > 0.0 ? x : a * expm1(x);
    case ActFn::selu:
      return x > 0.0 ? kSeluScale * x : kSeluScale * kSeluAlpha * expm1(x);
    case ActFn::softplus:
      return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case ActFn::softsign:
      return x / (1.0 + fabs(x));
    case ActFn::swish:
      return x * sigmoid(x);
    case ActFn::gelu:
      return 0.5 * x * erfc(-x / sqrt(2.0));
    case ActFn::gelu_tanh:
      return 0.5 * x * (1.0 + tanh(gelu_tanh_inner(x)));
    case ActFn::hard_sigmoid:
      return clamp(x + 3.0, 0.0, 6.0) / 6.0;
    case ActFn::exponential:
      return exp(x);
  }
  return x;
}

__device__ double derivative_x(ActFn fn, double a, double x) {
  switch (fn) {
    case ActFn::linear:
      return 1.0;
    case ActFn::relu:
      return x > 0.0 ? 1.0 : 0.0;
    case ActFn::relu6:
      return x > 0.0 && x < 6.0 ? 1.0 : 0.0;
    case ActFn::leaky_relu:
      return x > 0.0 ? 1.0 : a;
    case ActFn::sigmoid: {
      const double s = sigmoid(x);
      return s * (1.0 - s);
    }
    case ActFn::tanh: {
      const double t = tanh(x);
      return 1.0 - t * t;
    }
    case ActFn::elu:
      return x > 0.0 ? 1.0 : a * exp(x);
    case ActFn::selu:
      return x < 0.0 ? kSeluScale * kSeluAlpha * exp(x) : kSeluScale;
    case ActFn::softplus:
      return sigmoid(x);
    case ActFn::softsign: {
      const double d = 1.0 + fabs(x);
      return 1.0 / (d * d);
    }
    case ActFn::swish: {
      const double s = sigmoid(x);
      return s + x * s * (1.0 - s);
    }
    case ActFn::gelu:
      return 0.5 * erfc(-x / sqrt(2.0)) + x * exp(-0.5 * x * x) / sqrt(2 * kPi);
    case ActFn::gelu_tanh: {
      const double t = tanh(gelu_tanh_inner(x));
      const double du = sqrt(2.0 / kPi) * (1.0 + 3.0 * 0.044715 * x * x);
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
    }
    case ActFn::hard_sigmoid:
      return x > -3.0 && x < 3.0 ? 1.0 / 6.0 : 0.0;
    case ActFn::exponential:
      return exp(x);
  }
  return 1.0;
}

__device__ double derivative_y(ActFn fn, double a, double y) {
  switch (fn) {
    case ActFn::relu:
      return y > 0.0 ? 1.0 : 0.0;
    case ActFn::relu6:
      return y > 0.0 && y < 6.0 ? 1.0 : 0.0;
    case ActFn::leaky_relu:
      return y > 0.0 ? 1.0 : a;
    case ActFn::sigmoid:
      return y * (1.0 - y);
    case ActFn::tanh:
      return 1.0 - y * y;
    case ActFn::elu:
      return y > 0.0 ? 1.0 : y + a;
    case ActFn::selu:
      return y < 0.0 ? y + kSeluScale * kSeluAlpha : kSeluScale;
    case ActFn::hard_sigmoid:
      return y > 0.0 && y < 1.0 ? 1.0 / 6.0 : 0.0;
    case ActFn::exponential:
      return y;
    default:
      return derivative_x(fn, a, y);  // not reached: the binding asks for y only where it works
  }
}

__global__ void act_forward_kernel(ActFn fn, float alpha, const float* x, float* y, i64 n) {
  EMBER_GRID_STRIDE(i, n) { y[i] = static_cast<float>(act_forward(fn, alpha, x[i])); }
}

__global__ void act_backward_kernel(ActFn fn, float alpha, ActSource source, const float* dy,
                                    const float* s, float* dx, i64 n) {
  EMBER_GRID_STRIDE(i, n) {
    double d = 1.0;
    if (source == ActSource::x) d = derivative_x(fn, alpha, s[i]);
    if (source == ActSource::y) d = derivative_y(fn, alpha, s[i]);
    dx[i] = static_cast<float>(dy[i] * d);
  }
}

__global__ void relu_forward_kernel(ReluParams p, const float* x, float* y, i64 n) {
  // Keras' ReLU.static_call step by step.
  const bool leaky = p.negative_slope != 0.0f && !p.has_max && p.threshold == 0.0f;
  EMBER_GRID_STRIDE(i, n) {
    const double v = x[i];
    if (leaky) {
      y[i] = static_cast<float>(v > 0.0 ? v : p.negative_slope * v);
      continue;
    }
    double out;
    if (p.threshold != 0.0f) {
      out = v > p.threshold ? v : (v != v ? v : 0.0);
    } else {
      out = v < 0.0 ? 0.0 : v;
    }
    if (p.has_max) out = clamp(out, 0.0, p.max_value);
    if (p.negative_slope != 0.0f) {
      const double neg = p.threshold - v;
      out -= p.negative_slope * (neg > 0.0 ? neg : 0.0);
    }
    y[i] = static_cast<float>(out);
  }
}

__global__ void relu_backward_kernel(ReluParams p, const float* dy, const float* x, float* dx,
                                     i64 n) {
  const bool leaky = p.negative_slope != 0.0f && !p.has_max && p.threshold == 0.0f;
  EMBER_GRID_STRIDE(i, n) {
    const double v = x[i];
    double d;
    if (leaky) {
      d = v > 0.0 ? 1.0 : p.negative_slope;
    } else {
      bool pass = p.threshold != 0.0f ? v > p.threshold : v > 0.0;
      if (p.has_max) {
        const bool relu6 = p.threshold == 0.0f && p.max_value == 6.0f;
        pass = pass && v >= 0.0 && (relu6 ? v < 6.0 : v <= p.max_value);
      }
      d = (pass ? 1.0 : 0.0) + (v < p.threshold ? p.negative_slope : 0.0);
    }
    dx[i] = static_cast<float>(dy[i] * d);
  }
}

// One row per thread: the rows of a classifier's softmax are short (the classes).
__global__ void softmax_forward_kernel(const float* x, float* y, i64 rows, i64 cols, bool log) {
  EMBER_GRID_STRIDE(r, rows) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double m = -INFINITY;
    bool nan = false;
    for (i64 j = 0; j < cols; ++j) {
      nan = nan || xr[j] != xr[j];
      if (xr[j] > m) m = xr[j];
    }
    double sum = 0.0;
    for (i64 j = 0; j < cols; ++j) sum += exp(xr[j] - m);
    if (nan) sum = NAN;
    const double log_sum = ::log(sum);
    for (i64 j = 0; j < cols; ++j) {
      const double v = (xr[j] - m) - log_sum;
      yr[j] = static_cast<float>(log ? v : exp(v));
    }
  }
}

__global__ void softmax_backward_kernel(const float* dy, const float* y, float* dx, i64 rows,
                                        i64 cols, bool log) {
  EMBER_GRID_STRIDE(r, rows) {
    const float* g = dy + r * cols;
    const float* yr = y + r * cols;
    double s = 0.0;
    for (i64 j = 0; j < cols; ++j) s += log ? g[j] : static_cast<double>(g[j]) * yr[j];
    for (i64 j = 0; j < cols; ++j) {
      dx[r * cols + j] = static_cast<float>(log ? g[j] - exp(static_cast<double>(yr[j])) * s
                                                : yr[j] * (static_cast<double>(g[j]) - s));
    }
  }
}

__global__ void dropout_kernel(DropoutMask m, const float* x, float* y, i64 n) {
  // Multiplying by a 0/1 factor (not selecting 0) lets NaN through, as the CPU kernel does.
  EMBER_GRID_STRIDE(i, n) { y[i] = x[i] * m.scale * (dropout_keeps(m, i) ? 1.0f : 0.0f); }
}

}  // namespace

void activation_forward(ActFn fn, float alpha, const float* x, float* y, i64 n) {
  if (n <= 0) return;
  act_forward_kernel<<<blocks_for(n), kThreads>>>(fn, alpha, x, y, n);
  check_launch("activation_forward");
}

void activation_backward(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                         float* dx, i64 n) {
  if (n <= 0) return;
  act_backward_kernel<<<blocks_for(n), kThreads>>>(fn, alpha, source, dy, s, dx, n);
  check_launch("activation_backward");
}

void relu_forward(const ReluParams& p, const float* x, float* y, i64 n) {
  if (n <= 0) return;
  relu_forward_kernel<<<blocks_for(n), kThreads>>>(p, x, y, n);
  check_launch("relu_forward");
}

void relu_backward(const ReluParams& p, const float* dy, const float* x, float* dx, i64 n) {
  if (n <= 0) return;
  relu_backward_kernel<<<blocks_for(n), kThreads>>>(p, dy, x, dx, n);
  check_launch("relu_backward");
}

void softmax_forward(const float* x, float* y, i64 rows, i64 cols, bool log) {
  if (rows <= 0 || cols <= 0) return;
  softmax_forward_kernel<<<blocks_for(rows), kThreads>>>(x, y, rows, cols, log);
  check_launch("softmax_forward");
}

void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, i64 cols, bool log) {
  if (rows <= 0 || cols <= 0) return;
  softmax_backward_kernel<<<blocks_for(rows), kThreads>>>(dy, y, dx, rows, cols, log);
  check_launch("softmax_backward");
}

void dropout_apply(const DropoutMask& m, const float* x, float* y, i64 n) {
  if (n <= 0) return;
  dropout_kernel<<<blocks_for(n), kThreads>>>(m, x, y, n);
  check_launch("dropout");
}

}  // namespace ember::cuda
