#include <algorithm>
#include <vector>

#include "ref/ref.h"

namespace ember::ref {
namespace {

using std::int32_t;

bool takes(float v, float best) { return v > best || (v != v && best == best); }

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y, int32_t* indices) {
  for (i64 n = 0; n < s.batch; ++n)
    for (i64 oy = 0; oy < s.out_h; ++oy)
      for (i64 ox = 0; ox < s.out_w; ++ox)
        for (i64 c = 0; c < s.channels; ++c) {
          bool found = false;
          float best = 0.0f;
          int32_t where = 0;
          for (i64 py = 0; py < s.pool_h; ++py) {
            const i64 iy = oy * s.stride_h + py - s.pad_top;
            if (iy < 0 || iy >= s.in_h) continue;
            for (i64 px = 0; px < s.pool_w; ++px) {
              const i64 ix = ox * s.stride_w + px - s.pad_left;
              if (ix < 0 || ix >= s.in_w) continue;
              const float v = x[((n * s.in_h + iy) * s.in_w + ix) * s.channels + c];
              if (!found || takes(v, best)) {
                best = v;
                where = static_cast<int32_t>(iy * s.in_w + ix);
                found = true;
              }
            }
          }
          const i64 o = ((n * s.out_h + oy) * s.out_w + ox) * s.channels + c;
          y[o] = best;
          if (indices != nullptr) indices[o] = where;
        }
}

void max_pool2d_backward(const Pool2dShape& s, const float* dy, const int32_t* indices, float* dx) {
  std::fill(dx, dx + s.input_size(), 0.0f);
  for (i64 n = 0; n < s.batch; ++n)
    for (i64 oy = 0; oy < s.out_h; ++oy)
      for (i64 ox = 0; ox < s.out_w; ++ox)
        for (i64 c = 0; c < s.channels; ++c) {
          const i64 o = ((n * s.out_h + oy) * s.out_w + ox) * s.channels + c;
          dx[(n * s.in_h * s.in_w + indices[o]) * s.channels + c] += dy[o];
        }
}

// Real (non-padded) cells of the window at (oy, ox).
static i64 window_cells(const Pool2dShape& s, i64 oy, i64 ox) {
  i64 rows = 0, cols = 0;
  for (i64 py = 0; py < s.pool_h; ++py) {
    const i64 iy = oy * s.stride_h + py - s.pad_top;
    rows += iy >= 0 && iy < s.in_h;
  }
  for (i64 px = 0; px < s.pool_w; ++px) {
    const i64 ix = ox * s.stride_w + px - s.pad_left;
    cols += ix >= 0 && ix < s.in_w;
  }
  return rows * cols;
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  for (i64 n = 0; n < s.batch; ++n)
    for (i64 oy = 0; oy < s.out_h; ++oy)
      for (i64 ox = 0; ox < s.out_w; ++ox)
        for (i64 c = 0; c < s.channels; ++c) {
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
          y[((n * s.out_h + oy) * s.out_w + ox) * s.channels + c] =
              static_cast<float>(acc / static_cast<double>(window_cells(s, oy, ox)));
        }
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  std::vector<double> acc(static_cast<std::size_t>(s.input_size()), 0.0);
  for (i64 n = 0; n < s.batch; ++n)
    for (i64 oy = 0; oy < s.out_h; ++oy)
      for (i64 ox = 0; ox < s.out_w; ++ox) {
        const double cells = static_cast<double>(window_cells(s, oy, ox));
        for (i64 py = 0; py < s.pool_h; ++py) {
          const i64 iy = oy * s.stride_h + py - s.pad_top;
          if (iy < 0 || iy >= s.in_h) continue;
          for (i64 px = 0; px < s.pool_w; ++px) {
            const i64 ix = ox * s.stride_w + px - s.pad_left;
            if (ix < 0 || ix >= s.in_w) continue;
            for (i64 c = 0; c < s.channels; ++c) {
              acc[static_cast<std::size_t>(((n * s.in_h + iy) * s.in_w + ix) * s.channels + c)] +=
                  dy[((n * s.out_h + oy) * s.out_w + ox) * s.channels + c] / cells;
            }
          }
        }
      }
  for (i64 i = 0; i < s.input_size(); ++i)
    dx[i] = static_cast<float>(acc[static_cast<std::size_t>(i)]);
}

void global_avg_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y) {
  for (i64 n = 0; n < batch; ++n)
    for (i64 c = 0; c < channels; ++c) {
      double acc = 0.0;
      for (i64 p = 0; p < plane; ++p) acc += x[(n * plane + p) * channels + c];
      y[n * channels + c] = static_cast<float>(acc / static_cast<double>(plane));
    }
}

void global_avg_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy, float* dx) {
  for (i64 n = 0; n < batch; ++n)
    for (i64 p = 0; p < plane; ++p)
      for (i64 c = 0; c < channels; ++c)
        dx[(n * plane + p) * channels + c] =
            static_cast<float>(dy[n * channels + c] / static_cast<double>(plane));
}

void global_max_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y,
                               int32_t* indices) {
  for (i64 n = 0; n < batch; ++n)
    for (i64 c = 0; c < channels; ++c) {
      float best = x[n * plane * channels + c];
      int32_t where = 0;
      for (i64 p = 1; p < plane; ++p) {
        const float v = x[(n * plane + p) * channels + c];
        if (takes(v, best)) {
          best = v;
          where = static_cast<int32_t>(p);
        }
      }
      y[n * channels + c] = best;
      if (indices != nullptr) indices[n * channels + c] = where;
    }
}

void global_max_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy,
                                const int32_t* indices, float* dx) {
  for (i64 n = 0; n < batch; ++n)
    for (i64 p = 0; p < plane; ++p)
      for (i64 c = 0; c < channels; ++c)
        dx[(n * plane + p) * channels + c] =
            indices[n * channels + c] == p ? dy[n * channels + c] : 0.0f;
}

}  // namespace ember::ref
