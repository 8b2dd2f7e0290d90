// Reference kernels: plain loops on one thread, accumulating in double. They are the oracle the
// tests hold the optimized kernels to, and share their contracts (see kernels/conv2d.h,
// kernels/pool.h, gemm/gemm.h).
#pragma once

#include <cstdint>

#include "gemm/isa_table.h"
#include "kernels/activation.h"
#include "kernels/batchnorm.h"
#include "kernels/dropout.h"
#include "kernels/geometry.h"
#include "kernels/optim.h"
#include "kernels/rnn.h"

namespace ember::ref {

float activate(Activation act, float x);

void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const float* bias,
          Activation act);

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    Activation act, float* y);
void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw);
void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db);

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

// Twins of kernels/activation.h, softmax.h, dropout.h, batchnorm.h, loss.h, optim.h and
// reduce.h's column_sums: the formulas written out in double, one element or row at a time.
void activation_forward(ActFn fn, float alpha, const float* x, float* y, i64 n);
void activation_backward(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                         float* dx, i64 n);
void relu_forward(const ReluParams& p, const float* x, float* y, i64 n);
void relu_backward(const ReluParams& p, const float* dy, const float* x, float* dx, i64 n);
void softmax_forward(const float* x, float* y, i64 rows, i64 cols, bool log);
void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, i64 cols, bool log);

void dropout_apply(const DropoutMask& m, const float* x, float* y, i64 n);

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

void softmax_xent_forward_labels(const float* logits, const std::int64_t* labels, i64 rows,
                                 i64 classes, float* loss, float* probs);
void softmax_xent_forward_dense(const float* logits, const float* targets, i64 rows, i64 classes,
                                float* loss, float* probs);
void softmax_xent_backward_labels(const float* probs, const std::int64_t* labels,
                                  const float* dloss, i64 rows, i64 classes, float* dlogits);
void softmax_xent_backward_dense(const float* probs, const float* targets, const float* dloss,
                                 i64 rows, i64 classes, float* dlogits);
void sigmoid_xent_forward(const float* x, const float* t, float* loss, i64 n);
void sigmoid_xent_backward(const float* x, const float* t, const float* dloss, float* dx, i64 n);

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
double global_norm(const TensorList& list, const float* const* arrays);
void scale_arrays(const TensorList& list, float* const* arrays, float factor);
void clip_arrays(const TensorList& list, float* const* arrays, float lo, float hi);

void column_sums(const float* x, i64 rows, i64 cols, float* out);

// Twins of kernels/rnn.h: the cell equations per row and step, with the same saved state.
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

}  // namespace ember::ref
