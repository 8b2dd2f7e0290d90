// Softmax and log-softmax over the last axis of a (rows, cols) array, forward and backward.
//
//   softmax      y = exp(x - max) / sum(exp(x - max))
//   log_softmax  y = (x - max) - log(sum(exp(x - max)))
//   backward     dx = y * (dy - sum(dy * y))          (softmax, y its output)
//                dx = dy - exp(y) * sum(dy)           (log_softmax, y its output)
//
// A NaN anywhere in a row makes the whole row NaN. Each row is one task of one thread (the vector
// code is gemm/elementwise.inc), so results do not depend on the thread count.
#pragma once

#include "common/types.h"

namespace ember {

void softmax_forward(const float* x, float* y, i64 rows, i64 cols, bool log);
void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, i64 cols, bool log);

}  // namespace ember
