// Fused losses on logits.
//
// Softmax cross-entropy, logits (rows, classes), per row i:
//   probs = softmax(logits), loss_i = -sum_j t_ij * log_softmax(logits)_ij
// with targets either integer labels (t = one-hot; the binding checks 0 <= label < classes) or
// dense (rows, classes) weights, e.g. probabilities or one-hot rows. The gradient of loss_i is
// probs_i * sum_j t_ij - t_i (probs - one-hot for labels; rows that do not sum to 1 keep their
// exact derivative), times dloss_i.
//
// Sigmoid cross-entropy, elementwise on logits x and targets t of one shape:
//   loss = max(x, 0) - x * t + log1p(exp(-|x|)),   dx = (sigmoid(x) - t) * dloss
// (TensorFlow's sigmoid_cross_entropy_with_logits: stable for any x).
//
// Rows and elements are independent tasks, so results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "common/types.h"

namespace ember {

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

}  // namespace ember
