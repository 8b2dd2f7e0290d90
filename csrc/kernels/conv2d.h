// 2-D convolution on NHWC images with HWIO filters, as GEMMs on ember's engine.
//
//   forward          y  = act(im2col(x) @ W + b)            M = pixels, N = out_c, K = kh*kw*in_c
//   backward_input   dx = gather of dy through W^T, one GEMM per stride phase (no scatter, so no
//                         races between threads and no zero-fill pass)
//   backward_weight  dW = (dy^T @ im2col(x))^T, summed over fixed pixel chunks in a fixed order
//   backward_bias    db = column sums of dy, in fixed chunks
//
// Every output element is written. Results do not depend on the thread count.
#pragma once

#include "gemm/isa_table.h"
#include "kernels/geometry.h"

namespace ember {

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    Activation act, float* y);
void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw);
void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db);

}  // namespace ember
