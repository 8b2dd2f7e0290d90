// Elementwise activations, forward and backward, with Keras 3 formulas (TensorFlow backend):
//
//   linear        x
//   relu          max(x, 0)
//   relu6         min(max(x, 0), 6)
//   leaky_relu    x if x > 0 else alpha * x            (alpha: the negative slope)
//   sigmoid       1 / (1 + exp(-x))
//   tanh          tanh(x)
//   elu           x if x > 0 else alpha * expm1(x)     (alpha: Keras' elu alpha, usually 1)
//   selu          scale * (x if x > 0 else a * expm1(x)), a = 1.6732632..., scale = 1.0507009...
//   softplus      log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))
//   softsign      x / (1 + |x|)
//   swish         x * sigmoid(x)                       ("silu" is the same function)
//   gelu          x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2)))        (Keras approximate=False)
//   gelu_tanh     x / 2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))  (approximate=True)
//   hard_sigmoid  relu6(x + 3) / 6
//   exponential   exp(x)
//
// At the kinks the gradient is TensorFlow's: relu, relu6 and hard_sigmoid pass nothing at their
// corners (x = 0, x = 6, x = +-3), leaky_relu takes the slope at 0, elu alpha at 0, selu scale
// at 0.
//
// The vector code lives in gemm/elementwise.inc (one copy per ISA); these functions split the
// work over the thread team and call the active ISA's table. Every element is computed by the
// same vector code whatever the split, so results do not depend on the thread count.
#pragma once

#include "common/types.h"
#include "gemm/isa_table.h"

namespace ember {

// y = f(x) on n floats; x == y is allowed.
void activation_forward(ActFn fn, float alpha, const float* x, float* y, i64 n);

// dx = dy * f'(x), computed from s: the forward input x or output y as `source` says.
// activation_backward_source picks the source; dy == dx is allowed.
void activation_backward(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                         float* dx, i64 n);

// Whether f' can be computed from y alone: relu, relu6, sigmoid, tanh, selu, hard_sigmoid,
// exponential always; leaky_relu for alpha >= 0 and elu for alpha > 0 (where the sign of y is
// the sign of x).
bool activation_grad_from_y(ActFn fn, float alpha);

// The source activation_backward reads given which tensors the caller has: y where the
// derivative is cheaper from it (sigmoid, tanh, exponential), x otherwise; none for linear.
// Returns false when neither available tensor will do.
bool activation_backward_source(ActFn fn, float alpha, bool have_x, bool have_y, ActSource* source);

// keras.activations.relu(x, negative_slope, max_value, threshold), the ReLU layer's function:
//   pos = x if x > threshold else 0      (threshold == 0: max(x, 0))
//   pos = clip(pos, 0, max_value)        (when max_value is set)
//   y   = pos - negative_slope * max(threshold - x, 0)
// With only negative_slope set it is leaky_relu. The gradient follows TensorFlow's at the kinks:
// relu passes x > 0 only, relu6 (threshold 0, max_value 6) 0 < x < 6, clip is inclusive,
// leaky_relu takes the slope at 0.
struct ReluParams {
  float negative_slope = 0.0f;
  bool has_max = false;
  float max_value = 0.0f;
  float threshold = 0.0f;
};
void relu_forward(const ReluParams& p, const float* x, float* y, i64 n);
void relu_backward(const ReluParams& p, const float* dy, const float* x, float* dx, i64 n);

}  // namespace ember
