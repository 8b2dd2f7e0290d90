// Reference activations and softmax: the formulas of kernels/activation.h and softmax.h in
// double with the C library's exp, expm1, log1p, tanh and erfc.
#include <cmath>

#include "ref/ref.h"

namespace ember::ref {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kPi = 3.14159265358979323846;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double gelu_tanh_inner(double x) { return std::sqrt(2.0 / kPi) * (x + 0.044715 * x * x * x); }

// NaN-preserving clamp.
double clamp(double x, double lo, double hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}

double forward(ActFn fn, double a, double x) {
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
      return std::tanh(x);
    case ActFn::elu:
      return x > 0.0 ? x : a * std::expm1(x);
    case ActFn::selu:
      return x > 0.0 ? kSeluScale * x : kSeluScale * kSeluAlpha * std::expm1(x);
    case ActFn::softplus:
      return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    case ActFn::softsign:
      return x / (1.0 + std::fabs(x));
    case ActFn::swish:
      return x * sigmoid(x);
    case ActFn::gelu:
      return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case ActFn::gelu_tanh:
      return 0.5 * x * (1.0 + std::tanh(gelu_tanh_inner(x)));
    case ActFn::hard_sigmoid:
      return clamp(x + 3.0, 0.0, 6.0) / 6.0;
    case ActFn::exponential:
      return std::exp(x);
  }
  return x;
}

// f'(x).
double derivative_x(ActFn fn, double a, double x) {
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
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
    case ActFn::elu:
      return x > 0.0 ? 1.0 : a * std::exp(x);
    case ActFn::selu:
      return x < 0.0 ? kSeluScale * kSeluAlpha * std::exp(x) : kSeluScale;  // TF: linear at 0
    case ActFn::softplus:
      return sigmoid(x);
    case ActFn::softsign: {
      const double d = 1.0 + std::fabs(x);
      return 1.0 / (d * d);
    }
    case ActFn::swish: {
      const double s = sigmoid(x);
      return s + x * s * (1.0 - s);
    }
    case ActFn::gelu:
      return 0.5 * std::erfc(-x / std::sqrt(2.0)) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * kPi);
    case ActFn::gelu_tanh: {
      const double t = std::tanh(gelu_tanh_inner(x));
      const double du = std::sqrt(2.0 / kPi) * (1.0 + 3.0 * 0.044715 * x * x);
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
    }
    case ActFn::hard_sigmoid:
      return x > -3.0 && x < 3.0 ? 1.0 / 6.0 : 0.0;
    case ActFn::exponential:
      return std::exp(x);
  }
  return 1.0;
}

// f'(x) written in terms of y = f(x), for the functions where that is possible.
double derivative_y(ActFn fn, double a, double y) {
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
      return derivative_x(fn, a, y);  // not reached: the binding only asks for y where it works
  }
}

}  // namespace

void activation_forward(ActFn fn, float alpha, const float* x, float* y, i64 n) {
  for (i64 i = 0; i < n; ++i) y[i] = static_cast<float>(forward(fn, alpha, x[i]));
}

void activation_backward(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                         float* dx, i64 n) {
  for (i64 i = 0; i < n; ++i) {
    double d = 1.0;
    if (source == ActSource::x) d = derivative_x(fn, alpha, s[i]);
    if (source == ActSource::y) d = derivative_y(fn, alpha, s[i]);
    dx[i] = static_cast<float>(dy[i] * d);
  }
}

void relu_forward(const ReluParams& p, const float* x, float* y, i64 n) {
  // Keras' ReLU.static_call step by step.
  const bool leaky = p.negative_slope != 0.0f && !p.has_max && p.threshold == 0.0f;
  for (i64 i = 0; i < n; ++i) {
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

void relu_backward(const ReluParams& p, const float* dy, const float* x, float* dx, i64 n) {
  const bool leaky = p.negative_slope != 0.0f && !p.has_max && p.threshold == 0.0f;
  for (i64 i = 0; i < n; ++i) {
    const double v = x[i];
    double d;
    if (leaky) {
      d = v > 0.0 ? 1.0 : p.negative_slope;
    } else {
      // Pass-through piece: above the threshold, then inside the clip range [0, max_value]
      // (TensorFlow's relu6 excludes 6; its clip_by_value includes both ends).
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

void softmax_forward(const float* x, float* y, i64 rows, i64 cols, bool log) {
  for (i64 r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double m = -INFINITY;
    bool nan = false;
    for (i64 j = 0; j < cols; ++j) {
      nan = nan || xr[j] != xr[j];
      if (xr[j] > m) m = xr[j];
    }
    double sum = 0.0;
    for (i64 j = 0; j < cols; ++j) sum += std::exp(xr[j] - m);
    if (nan) sum = NAN;
    const double log_sum = std::log(sum);
    for (i64 j = 0; j < cols; ++j) {
      const double v = (xr[j] - m) - log_sum;
      yr[j] = static_cast<float>(log ? v : std::exp(v));
    }
  }
}

void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, i64 cols, bool log) {
  for (i64 r = 0; r < rows; ++r) {
    const float* g = dy + r * cols;
    const float* yr = y + r * cols;
    double s = 0.0;
    for (i64 j = 0; j < cols; ++j) s += log ? g[j] : static_cast<double>(g[j]) * yr[j];
    for (i64 j = 0; j < cols; ++j) {
      dx[r * cols + j] = static_cast<float>(log ? g[j] - std::exp(static_cast<double>(yr[j])) * s
                                                : yr[j] * (static_cast<double>(g[j]) - s));
    }
  }
}

}  // namespace ember::ref
