// The CUDA kernels: the CPU kernels' contracts (csrc/kernels/*.h) on device pointers. Same shape
// structs, same layouts (float32, C-contiguous, NHWC images, (batch, time, features) sequences,
// HWIO conv weights, step-major saved RNN state), every output element written. Each function
// queues its work on the default stream and returns; errors in a launch throw
// std::runtime_error. Plain C++ declarations, so the bindings compile without CUDA headers.
//
// GEMMs go through cuBLAS in full FP32 (no TF32), which keeps results within float32 rounding of
// the CPU kernels. Reductions run in a fixed order, so results do not vary between runs.
#pragma once

#include <cstdint>

#include "common/types.h"
#include "gemm/isa_table.h"
#include "kernels/activation.h"
#include "kernels/batchnorm.h"
#include "kernels/dropout.h"
#include "kernels/geometry.h"
#include "kernels/optim.h"
#include "kernels/rnn.h"

namespace ember::cuda {

// ---------------------------------------------------------------- GEMM (blas.cu)
// Row-major C (m x n) = act(alpha * op(A) @ op(B) + beta * C + bias); lda / ldb / ldc are row
// strides. beta == 0: C is only written. bias: n values or null.
void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const float* bias,
          Activation act);
// out[j] = sum over rows of x[r * cols + j] (fixed order, in double).
void column_sums(const float* x, i64 rows, i64 cols, float* out);

// ---------------------------------------------------------------- conv2d (conv2d.cu)
// im2col + cuBLAS, in chunks of whole images so the column buffer stays bounded.
void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    Activation act, float* y);
void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw);
void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db);

// ---------------------------------------------------------------- pooling (pool.cu)
void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y, std::int32_t* indices);
void max_pool2d_backward(const Pool2dShape& s, const float* dy, const std::int32_t* indices,
                         float* dx);
void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y);
void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx);
void global_avg_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y);
void global_avg_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy, float* dx);
void global_max_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y,
                               std::int32_t* indices);
void global_max_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy,
                                const std::int32_t* indices, float* dx);

// ---------------------------------------------------------------- activations (activation.cu)
void activation_forward(ActFn fn, float alpha, const float* x, float* y, i64 n);
void activation_backward(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                         float* dx, i64 n);
void relu_forward(const ReluParams& p, const float* x, float* y, i64 n);
void relu_backward(const ReluParams& p, const float* dy, const float* x, float* dx, i64 n);
void softmax_forward(const float* x, float* y, i64 rows, i64 cols, bool log);
void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, i64 cols, bool log);
// The CPU's counter-based mask (kernels/dropout.h): the same elements are dropped on both.
void dropout_apply(const DropoutMask& m, const float* x, float* y, i64 n);

// ---------------------------------------------------------------- batch norm (batchnorm.cu)
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

// ---------------------------------------------------------------- losses (loss.cu)
// Labels are int64 on the device. A label outside [0, classes) makes the forward return the
// first offending row (the loss of such rows is NaN); -1 when all are valid. This is the one
// kernel that waits for the device, to read that flag.
i64 softmax_xent_forward_labels(const float* logits, const std::int64_t* labels, i64 rows,
                                i64 classes, float* loss, float* probs);
void softmax_xent_forward_dense(const float* logits, const float* targets, i64 rows, i64 classes,
                                float* loss, float* probs);
void softmax_xent_backward_labels(const float* probs, const std::int64_t* labels,
                                  const float* dloss, i64 rows, i64 classes, float* dlogits);
void softmax_xent_backward_dense(const float* probs, const float* targets, const float* dloss,
                                 i64 rows, i64 classes, float* dlogits);
void sigmoid_xent_forward(const float* x, const float* t, float* loss, i64 n);
void sigmoid_xent_backward(const float* x, const float* t, const float* dloss, float* dx, i64 n);

// ---------------------------------------------------------------- optimizers (optim.cu)
// The pointer lists live on the host; each tensor is one launch.
void sgd_update(const TensorList& list, float* const* params, const float* const* grads,
                float* const* velocities, const SgdHyper& h);
void adam_update(const TensorList& list, float* const* params, const float* const* grads,
                 float* const* m, float* const* v, float* const* vhat, const AdamHyper& h);
void rmsprop_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* velocity, float* const* momentum_buf, float* const* average_grad,
                    const RmspropHyper& h);
void adagrad_update(const TensorList& list, float* const* params, const float* const* grads,
                    float* const* accumulators, const AdagradHyper& h);
void weight_decay(const TensorList& list, float* const* params, float factor);
double global_norm(const TensorList& list, const float* const* arrays);  // waits for the result
void scale_arrays(const TensorList& list, float* const* arrays, float factor);
void clip_arrays(const TensorList& list, float* const* arrays, float lo, float hi);

// ---------------------------------------------------------------- recurrent (rnn.cu)
// Masks (RnnInputs::mask) are not supported on the device: the bindings reject them. The
// recurrent mask is. GRU needs reset_after=True (Keras' default).
void lstm_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnForwardOut& out);
void lstm_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                   const RnnBackwardIn& saved, const RnnGrads& grads);
void gru_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                 const RnnForwardOut& out);
void gru_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnBackwardIn& saved, const RnnGrads& grads);
void simple_rnn_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                        const RnnForwardOut& out);
void simple_rnn_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                         const RnnBackwardIn& saved, const RnnGrads& grads);

// ---------------------------------------------------------------- array math (math.cu)
// The elementwise arithmetic, reductions and layout changes behind the device array type
// (ember.cuda.CudaArray), for the ops written with numpy operators.
constexpr int kMaxDims = 8;

enum class BinaryOp : int {
  add,
  subtract,
  multiply,
  divide,
  maximum,
  minimum,
  power,
  greater,
  greater_equal,
  less,
  less_equal,
  equal,
  not_equal,
};

enum class UnaryOp : int {
  negative,
  exp,
  log,
  sqrt,
  abs,
  sign,
  square,
  tanh,
  reciprocal,
  clip,         // p0 <= x <= p1
  power,        // x ** p0
  affine,       // x * p0 + p1
  rsub,         // p0 - x
  rdiv,         // p0 / x
  logical_not,  // 1 where x == 0, else 0
  isfinite,
};

// out has `ndim` dims of out_shape; an operand's stride is 0 along the dims it broadcasts.
struct Strided {
  int ndim = 0;
  i64 shape[kMaxDims] = {};
  i64 a_strides[kMaxDims] = {};
  i64 b_strides[kMaxDims] = {};
};

void binary(BinaryOp op, const float* a, const float* b, float* out, const Strided& s, i64 n);
// a op scalar, or scalar op a when scalar_first.
void binary_scalar(BinaryOp op, const float* a, float scalar, bool scalar_first, float* out, i64 n);
void unary(UnaryOp op, const float* a, float* out, i64 n, float p0, float p1);
// out[i] = a[offset(i)] with the strides of Strided::a_strides: broadcast_to and transpose.
void gather_strided(const float* a, float* out, const Strided& s, i64 n);
// The sum (in double) over the `reduced` dims of a for each combination of the `kept` dims,
// times scale. Each is a (shape, strides) list into a's elements.
struct Reduction {
  int kept = 0, reduced = 0;
  i64 kept_shape[kMaxDims] = {}, kept_strides[kMaxDims] = {};
  i64 red_shape[kMaxDims] = {}, red_strides[kMaxDims] = {};
};
void reduce_sum(const float* a, float* out, const Reduction& r, i64 outputs, i64 per_output,
                double scale);
void fill(float* out, float value, i64 n);
// Type conversions on the device: int32 / int64 -> float32 and float32 -> int64 (truncating).
void cast_int32_to_float(const std::int32_t* a, float* out, i64 n);
void cast_int64_to_float(const std::int64_t* a, float* out, i64 n);
void cast_float_to_int64(const float* a, std::int64_t* out, i64 n);

}  // namespace ember::cuda
