// Max / average / global pooling on NHWC images (csrc/kernels/pool.h): one thread per output
// element forward; backward gathers, per input element, from the windows that cover it, so every
// element is written once and nothing needs atomics.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

__device__ inline bool takes(float v, float best) {
  return v > best || (v != v && best == best);  // the first NaN wins, as on the CPU
}

// The output rows (or columns) whose windows contain input row i: [lo, hi).
__device__ inline void covering(i64 i, i64 pad, i64 pool, i64 stride, i64 out, i64* lo, i64* hi) {
  const i64 t = i + pad;  // window o covers t when o * stride <= t < o * stride + pool
  const i64 first = t - pool + 1 <= 0 ? 0 : (t - pool + 1 + stride - 1) / stride;
  const i64 last = t / stride;  // t >= 0 always
  *lo = first;
  *hi = last + 1 < out ? last + 1 : out;
}

__device__ inline i64 window_cells(const Pool2dShape& s, i64 oy, i64 ox) {
  const i64 y0 = oy * s.stride_h - s.pad_top, x0 = ox * s.stride_w - s.pad_left;
  const i64 rows = min(y0 + s.pool_h, s.in_h) - max(y0, i64{0});
  const i64 cols = min(x0 + s.pool_w, s.in_w) - max(x0, i64{0});
  return rows * cols;
}

__global__ void max_forward_kernel(Pool2dShape s, const float* x, float* y, std::int32_t* idx) {
  const i64 total = s.batch * s.out_h * s.out_w * s.channels;
  EMBER_GRID_STRIDE(o, total) {
    const i64 c = o % s.channels, r1 = o / s.channels;
    const i64 ox = r1 % s.out_w, r2 = r1 / s.out_w;
    const i64 oy = r2 % s.out_h, n = r2 / s.out_h;
    bool found = false;
    float best = 0.0f;
    std::int32_t where = 0;
    for (i64 py = 0; py < s.pool_h; ++py) {
      const i64 iy = oy * s.stride_h + py - s.pad_top;
      if (iy < 0 || iy >= s.in_h) continue;
      for (i64 px = 0; px < s.pool_w; ++px) {
        const i64 ix = ox * s.stride_w + px - s.pad_left;
        if (ix < 0 || ix >= s.in_w) continue;
        const float v = x[((n * s.in_h + iy) * s.in_w + ix) * s.channels + c];
        if (!found || takes(v, best)) {
          best = v;
          where = static_cast<std::int32_t>(iy * s.in_w + ix);
          found = true;
        }
      }
    }
    y[o] = best;
    if (idx != nullptr) idx[o] = where;
  }
}

__global__ void max_backward_kernel(Pool2dShape s, const float* dy, const std::int32_t* idx,
                                    float* dx) {
  const i64 total = s.batch * s.in_h * s.in_w * s.channels;
  EMBER_GRID_STRIDE(i, total) {
    const i64 c = i % s.channels, r1 = i / s.channels;
    const i64 ix = r1 % s.in_w, r2 = r1 / s.in_w;
    const i64 iy = r2 % s.in_h, n = r2 / s.in_h;
    const std::int32_t here = static_cast<std::int32_t>(iy * s.in_w + ix);
    i64 oy0, oy1, ox0, ox1;
    covering(iy, s.pad_top, s.pool_h, s.stride_h, s.out_h, &oy0, &oy1);
    covering(ix, s.pad_left, s.pool_w, s.stride_w, s.out_w, &ox0, &ox1);
    float acc = 0.0f;
    for (i64 oy = oy0; oy < oy1; ++oy) {
      for (i64 ox = ox0; ox < ox1; ++ox) {
        const i64 o = ((n * s.out_h + oy) * s.out_w + ox) * s.channels + c;
        if (idx[o] == here) acc += dy[o];
      }
    }
    dx[i] = acc;
  }
}

__global__ void avg_forward_kernel(Pool2dShape s, const float* x, float* y) {
  const i64 total = s.batch * s.out_h * s.out_w * s.channels;
  EMBER_GRID_STRIDE(o, total) {
    const i64 c = o % s.channels, r1 = o / s.channels;
    const i64 ox = r1 % s.out_w, r2 = r1 / s.out_w;
    const i64 oy = r2 % s.out_h, n = r2 / s.out_h;
    double acc = 0.0;
    for (i64 py = 0; py < s.pool_h; ++py) {
      const i64 iy = oy * s.stride_h + py - s.pad_top;
      if (iy < 0 || iy >= s.in_h) continue;
      for (i64 px = 0; px < s.pool_w; ++px) {
        const i64 ix = ox * s.stride_w + px - s.pad_left;
        if (ix < 0 || ix >= s.in_w) continue;
        acc += x[((n * s.in_h + iy) * s.in_w + ix) * s.channels + c];
      }
    }
    y[o] = static_cast<float>(acc / static_cast<double>(window_cells(s, oy, ox)));
  }
}

__global__ void avg_backward_kernel(Pool2dShape s, const float* dy, float* dx) {
  const i64 total = s.batch * s.in_h * s.in_w * s.channels;
  EMBER_GRID_STRIDE(i, total) {
    const i64 c = i % s.channels, r1 = i / s.channels;
    const i64 ix = r1 % s.in_w, r2 = r1 / s.in_w;
    const i64 iy = r2 % s.in_h, n = r2 / s.in_h;
    i64 oy0, oy1, ox0, ox1;
    covering(iy, s.pad_top, s.pool_h, s.stride_h, s.out_h, &oy0, &oy1);
    covering(ix, s.pad_left, s.pool_w, s.stride_w, s.out_w, &ox0, &ox1);
    double acc = 0.0;
    for (i64 oy = oy0; oy < oy1; ++oy) {
      for (i64 ox = ox0; ox < ox1; ++ox) {
        const i64 o = ((n * s.out_h + oy) * s.out_w + ox) * s.channels + c;
        acc += dy[o] / static_cast<double>(window_cells(s, oy, ox));
      }
    }
    dx[i] = static_cast<float>(acc);
  }
}

__global__ void global_avg_forward_kernel(i64 batch, i64 plane, i64 channels, const float* x,
                                          float* y) {
  EMBER_GRID_STRIDE(o, batch * channels) {
    const i64 n = o / channels, c = o % channels;
    double acc = 0.0;
    for (i64 p = 0; p < plane; ++p) acc += x[(n * plane + p) * channels + c];
    y[o] = static_cast<float>(acc / static_cast<double>(plane));
  }
}

__global__ void global_avg_backward_kernel(i64 batch, i64 plane, i64 channels, const float* dy,
                                           float* dx) {
  EMBER_GRID_STRIDE(i, batch * plane * channels) {
    const i64 c = i % channels, n = i / (plane * channels);
    dx[i] = static_cast<float>(dy[n * channels + c] / static_cast<double>(plane));
  }
}

__global__ void global_max_forward_kernel(i64 batch, i64 plane, i64 channels, const float* x,
                                          float* y, std::int32_t* idx) {
  EMBER_GRID_STRIDE(o, batch * channels) {
    const i64 n = o / channels, c = o % channels;
    float best = x[n * plane * channels + c];
    std::int32_t where = 0;
    for (i64 p = 1; p < plane; ++p) {
      const float v = x[(n * plane + p) * channels + c];
      if (takes(v, best)) {
        best = v;
        where = static_cast<std::int32_t>(p);
      }
    }
    y[o] = best;
    if (idx != nullptr) idx[o] = where;
  }
}

__global__ void global_max_backward_kernel(i64 batch, i64 plane, i64 channels, const float* dy,
                                           const std::int32_t* idx, float* dx) {
  EMBER_GRID_STRIDE(i, batch * plane * channels) {
    const i64 c = i % channels, p = (i / channels) % plane, n = i / (plane * channels);
    dx[i] = idx[n * channels + c] == p ? dy[n * channels + c] : 0.0f;
  }
}

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y, std::int32_t* indices) {
  const i64 total = s.batch * s.out_h * s.out_w * s.channels;
  if (total <= 0) return;
  max_forward_kernel<<<blocks_for(total), kThreads>>>(s, x, y, indices);
  check_launch("max_pool2d_forward");
}

void max_pool2d_backward(const Pool2dShape& s, const float* dy, const std::int32_t* indices,
                         float* dx) {
  const i64 total = s.batch * s.in_h * s.in_w * s.channels;
  if (total <= 0) return;
  max_backward_kernel<<<blocks_for(total), kThreads>>>(s, dy, indices, dx);
  check_launch("max_pool2d_backward");
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const i64 total = s.batch * s.out_h * s.out_w * s.channels;
  if (total <= 0) return;
  avg_forward_kernel<<<blocks_for(total), kThreads>>>(s, x, y);
  check_launch("avg_pool2d_forward");
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const i64 total = s.batch * s.in_h * s.in_w * s.channels;
  if (total <= 0) return;
  avg_backward_kernel<<<blocks_for(total), kThreads>>>(s, dy, dx);
  check_launch("avg_pool2d_backward");
}

void global_avg_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y) {
  if (batch * channels <= 0) return;
  global_avg_forward_kernel<<<blocks_for(batch * channels), kThreads>>>(batch, plane, channels, x,
                                                                        y);
  check_launch("global_avg_pool2d_forward");
}

void global_avg_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy, float* dx) {
  if (batch * plane * channels <= 0) return;
  global_avg_backward_kernel<<<blocks_for(batch * plane * channels), kThreads>>>(batch, plane,
                                                                                 channels, dy, dx);
  check_launch("global_avg_pool2d_backward");
}

void global_max_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y,
                               std::int32_t* indices) {
  if (batch * channels <= 0) return;
  global_max_forward_kernel<<<blocks_for(batch * channels), kThreads>>>(batch, plane, channels, x,
                                                                        y, indices);
  check_launch("global_max_pool2d_forward");
}

void global_max_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy,
                                const std::int32_t* indices, float* dx) {
  if (batch * plane * channels <= 0) return;
  global_max_backward_kernel<<<blocks_for(batch * plane * channels), kThreads>>>(
      batch, plane, channels, dy, indices, dx);
  check_launch("global_max_pool2d_backward");
}

}  // namespace ember::cuda
