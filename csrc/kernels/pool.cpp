#include "kernels/pool.h"

#include <algorithm>
#include <cstring>

#include "common/parallel.h"

namespace ember {
namespace {

using std::int32_t;

// Window of output index o along one axis, clipped to the input: [begin, end).
struct Span {
  i64 begin, end;
};

Span window(i64 o, i64 stride, i64 pad, i64 size, i64 in) {
  const i64 start = o * stride - pad;
  return {std::max<i64>(start, 0), std::min(start + size, in)};
}

// Output indices whose window covers input index i: [first, last].
Span covering(i64 i, i64 stride, i64 pad, i64 size, i64 out) {
  const i64 hi = i + pad;        // o * stride <= hi
  const i64 lo = hi - size + 1;  // o * stride >= lo
  i64 first = lo <= 0 ? 0 : ceil_div(lo, stride);
  i64 last = std::min(out - 1, hi / stride);
  return {first, last};
}

// Takes v when it is larger, or NaN over a number: NaN propagates, and the first one wins.
inline bool takes(float v, float best) { return v > best || (v != v && best == best); }

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y, int32_t* indices) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.out_h;
  const int threads = threads_for(s.output_size() * s.pool_h * s.pool_w);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 row = 0; row < rows; ++row) {
    const i64 n = row / s.out_h;
    const i64 oy = row - n * s.out_h;
    const Span sy = window(oy, s.stride_h, s.pad_top, s.pool_h, s.in_h);
    const float* image = x + n * s.in_h * s.in_w * c;
    for (i64 ox = 0; ox < s.out_w; ++ox) {
      const Span sx = window(ox, s.stride_w, s.pad_left, s.pool_w, s.in_w);
      const i64 o = (row * s.out_w + ox) * c;
      float* best = y + o;
      int32_t* where = indices != nullptr ? indices + o : nullptr;
      const int32_t first = static_cast<int32_t>(sy.begin * s.in_w + sx.begin);
      std::memcpy(best, image + first * c, static_cast<std::size_t>(c) * sizeof(float));
      if (where != nullptr) std::fill(where, where + c, first);
      for (i64 iy = sy.begin; iy < sy.end; ++iy) {
        for (i64 ix = (iy == sy.begin ? sx.begin + 1 : sx.begin); ix < sx.end; ++ix) {
          const int32_t cell = static_cast<int32_t>(iy * s.in_w + ix);
          const float* v = image + cell * c;
          if (where != nullptr) {
            for (i64 k = 0; k < c; ++k) {
              const bool take = takes(v[k], best[k]);
              best[k] = take ? v[k] : best[k];
              where[k] = take ? cell : where[k];
            }
          } else {
            for (i64 k = 0; k < c; ++k) best[k] = takes(v[k], best[k]) ? v[k] : best[k];
          }
        }
      }
    }
  }
}

void max_pool2d_backward(const Pool2dShape& s, const float* dy, const int32_t* indices, float* dx) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.in_h;
  const int threads = threads_for(s.input_size() * 2);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 row = 0; row < rows; ++row) {
    const i64 n = row / s.in_h;
    const i64 iy = row - n * s.in_h;
    const Span oys = covering(iy, s.stride_h, s.pad_top, s.pool_h, s.out_h);
    for (i64 ix = 0; ix < s.in_w; ++ix) {
      float* out = dx + (row * s.in_w + ix) * c;
      std::fill(out, out + c, 0.0f);
      const Span oxs = covering(ix, s.stride_w, s.pad_left, s.pool_w, s.out_w);
      const int32_t cell = static_cast<int32_t>(iy * s.in_w + ix);
      for (i64 oy = oys.begin; oy <= oys.end; ++oy) {
        for (i64 ox = oxs.begin; ox <= oxs.end; ++ox) {
          const i64 o = ((n * s.out_h + oy) * s.out_w + ox) * c;
          const float* g = dy + o;
          const int32_t* at = indices + o;
          for (i64 k = 0; k < c; ++k) out[k] += at[k] == cell ? g[k] : 0.0f;
        }
      }
    }
  }
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.out_h;
  const int threads = threads_for(s.output_size() * s.pool_h * s.pool_w);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 row = 0; row < rows; ++row) {
    const i64 n = row / s.out_h;
    const i64 oy = row - n * s.out_h;
    const Span sy = window(oy, s.stride_h, s.pad_top, s.pool_h, s.in_h);
    const float* image = x + n * s.in_h * s.in_w * c;
    for (i64 ox = 0; ox < s.out_w; ++ox) {
      const Span sx = window(ox, s.stride_w, s.pad_left, s.pool_w, s.in_w);
      float* out = y + (row * s.out_w + ox) * c;
      std::fill(out, out + c, 0.0f);
      for (i64 iy = sy.begin; iy < sy.end; ++iy) {
        for (i64 ix = sx.begin; ix < sx.end; ++ix) {
          const float* v = image + (iy * s.in_w + ix) * c;
          for (i64 k = 0; k < c; ++k) out[k] += v[k];
        }
      }
      const float scale = 1.0f / static_cast<float>((sy.end - sy.begin) * (sx.end - sx.begin));
      for (i64 k = 0; k < c; ++k) out[k] *= scale;
    }
  }
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.in_h;
  const int threads = threads_for(s.input_size() * 2);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 row = 0; row < rows; ++row) {
    const i64 n = row / s.in_h;
    const i64 iy = row - n * s.in_h;
    const Span oys = covering(iy, s.stride_h, s.pad_top, s.pool_h, s.out_h);
    for (i64 ix = 0; ix < s.in_w; ++ix) {
      float* out = dx + (row * s.in_w + ix) * c;
      std::fill(out, out + c, 0.0f);
      const Span oxs = covering(ix, s.stride_w, s.pad_left, s.pool_w, s.out_w);
      for (i64 oy = oys.begin; oy <= oys.end; ++oy) {
        const Span sy = window(oy, s.stride_h, s.pad_top, s.pool_h, s.in_h);
        for (i64 ox = oxs.begin; ox <= oxs.end; ++ox) {
          const Span sx = window(ox, s.stride_w, s.pad_left, s.pool_w, s.in_w);
          const float scale = 1.0f / static_cast<float>((sy.end - sy.begin) * (sx.end - sx.begin));
          const float* g = dy + ((n * s.out_h + oy) * s.out_w + ox) * c;
          for (i64 k = 0; k < c; ++k) out[k] += g[k] * scale;
        }
      }
    }
  }
}

void global_avg_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y) {
  const int threads = std::min<i64>(threads_for(batch * plane * channels), batch);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 n = 0; n < batch; ++n) {
    float* out = y + n * channels;
    std::fill(out, out + channels, 0.0f);
    const float* image = x + n * plane * channels;
    for (i64 p = 0; p < plane; ++p) {
      const float* v = image + p * channels;
      for (i64 k = 0; k < channels; ++k) out[k] += v[k];
    }
    const float scale = 1.0f / static_cast<float>(plane);
    for (i64 k = 0; k < channels; ++k) out[k] *= scale;
  }
}

void global_avg_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy, float* dx) {
  const float scale = 1.0f / static_cast<float>(plane);
  const i64 rows = batch * plane;
  const int threads = threads_for(rows * channels);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 r = 0; r < rows; ++r) {
    const float* g = dy + (r / plane) * channels;
    float* out = dx + r * channels;
    for (i64 k = 0; k < channels; ++k) out[k] = g[k] * scale;
  }
}

void global_max_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y,
                               int32_t* indices) {
  const int threads = std::min<i64>(threads_for(batch * plane * channels), batch);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 n = 0; n < batch; ++n) {
    float* best = y + n * channels;
    int32_t* where = indices != nullptr ? indices + n * channels : nullptr;
    const float* image = x + n * plane * channels;
    std::memcpy(best, image, static_cast<std::size_t>(channels) * sizeof(float));
    if (where != nullptr) std::fill(where, where + channels, 0);
    for (i64 p = 1; p < plane; ++p) {
      const float* v = image + p * channels;
      const int32_t cell = static_cast<int32_t>(p);
      if (where != nullptr) {
        for (i64 k = 0; k < channels; ++k) {
          const bool take = takes(v[k], best[k]);
          best[k] = take ? v[k] : best[k];
          where[k] = take ? cell : where[k];
        }
      } else {
        for (i64 k = 0; k < channels; ++k) best[k] = takes(v[k], best[k]) ? v[k] : best[k];
      }
    }
  }
}

void global_max_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy,
                                const int32_t* indices, float* dx) {
  const i64 rows = batch * plane;
  const int threads = threads_for(rows * channels);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 r = 0; r < rows; ++r) {
    const i64 n = r / plane;
    const int32_t cell = static_cast<int32_t>(r - n * plane);
    const float* g = dy + n * channels;
    const int32_t* at = indices + n * channels;
    float* out = dx + r * channels;
    for (i64 k = 0; k < channels; ++k) out[k] = at[k] == cell ? g[k] : 0.0f;
  }
}

}  // namespace ember
