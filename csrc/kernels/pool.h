// Max and average pooling on NHWC images.
//
// Max pooling propagates NaN (a window holding NaN yields NaN) and records, per output element,
// the position iy * in_w + ix of the value it took: the first maximum in row-major window order
// (the first NaN if any). Backward sends each gradient to that one position.
// Average pooling divides by the number of real (non-padded) cells in each window.
// Backward passes gather from the windows covering each input pixel, so every input element is
// written exactly once and threads never write the same memory.
#pragma once

#include <cstdint>

#include "kernels/geometry.h"

namespace ember {

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y, std::int32_t* indices);
void max_pool2d_backward(const Pool2dShape& s, const float* dy, const std::int32_t* indices,
                         float* dx);
void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y);
void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx);

// Global pooling over the spatial plane: x (batch, plane, channels) -> y (batch, channels).
void global_avg_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y);
void global_avg_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy, float* dx);
void global_max_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y,
                               std::int32_t* indices);
void global_max_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy,
                                const std::int32_t* indices, float* dx);

}  // namespace ember
