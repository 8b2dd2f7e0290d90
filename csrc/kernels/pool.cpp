#include "kernels/pool.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/parallel.h"

namespace ember {
namespace {

using std::int32_t;

// A half-open range of input cells (a window) or of output cells (the windows covering one
// input cell).
struct Span {
  i64 begin, end;
};

// Window of each output index along one axis, clipped to the input.
std::vector<Span> windows(i64 out, i64 stride, i64 pad, i64 size, i64 in) {
  std::vector<Span> w(static_cast<std::size_t>(out));
  for (i64 o = 0; o < out; ++o) {
    const i64 start = o * stride - pad;
    w[static_cast<std::size_t>(o)] = {std::max<i64>(start, 0), std::min(start + size, in)};
  }
  return w;
}

// Output indices whose window covers each input index along one axis.
std::vector<Span> coverage(i64 in, i64 out, i64 stride, i64 pad, i64 size) {
  std::vector<Span> cover(static_cast<std::size_t>(in), Span{0, 0});
  for (i64 o = 0; o < out; ++o) {
    const i64 start = o * stride - pad;
    for (i64 i = std::max<i64>(start, 0); i < std::min(start + size, in); ++i) {
      Span& c = cover[static_cast<std::size_t>(i)];
      if (c.end == 0) c.begin = o;
      c.end = o + 1;
    }
  }
  return cover;
}

// Takes v when it is larger, or NaN over a number: NaN propagates, and the first one wins.
inline bool takes(float v, float best) { return v > best || (v != v && best == best); }

// One window cell into the running maximum (and its position) of every channel. The restrict
// pointers let the compiler vectorize without runtime overlap checks.
void update_max(const float* __restrict v, float* __restrict best, i64 c) {
  for (i64 k = 0; k < c; ++k) best[k] = takes(v[k], best[k]) ? v[k] : best[k];
}

void update_max(const float* __restrict v, float* __restrict best, int32_t* __restrict where,
                int32_t cell, i64 c) {
  for (i64 k = 0; k < c; ++k) {
    const float vk = v[k];
    const float bk = best[k];
    const bool take = takes(vk, bk);
    best[k] = take ? vk : bk;
    where[k] = take ? cell : where[k];
  }
}

struct Geometry {
  std::vector<Span> win_y, win_x;      // forward windows
  std::vector<Span> cover_y, cover_x;  // backward coverage
};

Geometry forward_geometry(const Pool2dShape& s) {
  return {windows(s.out_h, s.stride_h, s.pad_top, s.pool_h, s.in_h),
          windows(s.out_w, s.stride_w, s.pad_left, s.pool_w, s.in_w),
          {},
          {}};
}

Geometry backward_geometry(const Pool2dShape& s) {
  Geometry g = forward_geometry(s);
  g.cover_y = coverage(s.in_h, s.out_h, s.stride_h, s.pad_top, s.pool_h);
  g.cover_x = coverage(s.in_w, s.out_w, s.stride_w, s.pad_left, s.pool_w);
  return g;
}

i64 cells(const Span& a, const Span& b) { return (a.end - a.begin) * (b.end - b.begin); }

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y, int32_t* indices) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.out_h;
  const Geometry g = forward_geometry(s);
  const int threads = threads_for(s.output_size() * s.pool_h * s.pool_w);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 row = lo; row < hi; ++row) {
      const i64 n = row / s.out_h;
      const Span sy = g.win_y[static_cast<std::size_t>(row - n * s.out_h)];
      const float* image = x + n * s.in_h * s.in_w * c;
      for (i64 ox = 0; ox < s.out_w; ++ox) {
        const Span sx = g.win_x[static_cast<std::size_t>(ox)];
        const i64 o = (row * s.out_w + ox) * c;
        float* best = y + o;
        const int32_t first = static_cast<int32_t>(sy.begin * s.in_w + sx.begin);
        std::memcpy(best, image + first * c, static_cast<std::size_t>(c) * sizeof(float));
        int32_t* where = indices != nullptr ? indices + o : nullptr;
        if (where != nullptr) std::fill(where, where + c, first);
        for (i64 iy = sy.begin; iy < sy.end; ++iy) {
          for (i64 ix = (iy == sy.begin ? sx.begin + 1 : sx.begin); ix < sx.end; ++ix) {
            const int32_t cell = static_cast<int32_t>(iy * s.in_w + ix);
            const float* v = image + cell * c;
            if (where != nullptr) {
              update_max(v, best, where, cell, c);
            } else {
              update_max(v, best, c);
            }
          }
        }
      }
    }
  });
}

void max_pool2d_backward(const Pool2dShape& s, const float* dy, const int32_t* indices, float* dx) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.in_h;
  const Geometry g = backward_geometry(s);
  const int threads = threads_for(s.input_size() * 2);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 row = lo; row < hi; ++row) {
      const i64 n = row / s.in_h;
      const i64 iy = row - n * s.in_h;
      const Span oys = g.cover_y[static_cast<std::size_t>(iy)];
      for (i64 ix = 0; ix < s.in_w; ++ix) {
        float* out = dx + (row * s.in_w + ix) * c;
        const Span oxs = g.cover_x[static_cast<std::size_t>(ix)];
        const int32_t cell = static_cast<int32_t>(iy * s.in_w + ix);
        bool first = true;
        for (i64 oy = oys.begin; oy < oys.end; ++oy) {
          for (i64 ox = oxs.begin; ox < oxs.end; ++ox) {
            const i64 o = ((n * s.out_h + oy) * s.out_w + ox) * c;
            const float* grad = dy + o;
            const int32_t* at = indices + o;
            // Unconditional loads keep these loops branch-free, so they vectorize.
            if (first) {
              for (i64 k = 0; k < c; ++k) {
                const float gk = grad[k];
                out[k] = at[k] == cell ? gk : 0.0f;
              }
              first = false;
            } else {
              for (i64 k = 0; k < c; ++k) {
                const float gk = grad[k];
                out[k] += at[k] == cell ? gk : 0.0f;
              }
            }
          }
        }
        if (first) std::fill(out, out + c, 0.0f);  // no window covers this cell
      }
    }
  });
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.out_h;
  const Geometry g = forward_geometry(s);
  const int threads = threads_for(s.output_size() * s.pool_h * s.pool_w);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 row = lo; row < hi; ++row) {
      const i64 n = row / s.out_h;
      const Span sy = g.win_y[static_cast<std::size_t>(row - n * s.out_h)];
      const float* image = x + n * s.in_h * s.in_w * c;
      for (i64 ox = 0; ox < s.out_w; ++ox) {
        const Span sx = g.win_x[static_cast<std::size_t>(ox)];
        float* out = y + (row * s.out_w + ox) * c;
        const float* first = image + (sy.begin * s.in_w + sx.begin) * c;
        std::memcpy(out, first, static_cast<std::size_t>(c) * sizeof(float));
        for (i64 iy = sy.begin; iy < sy.end; ++iy) {
          for (i64 ix = (iy == sy.begin ? sx.begin + 1 : sx.begin); ix < sx.end; ++ix) {
            const float* v = image + (iy * s.in_w + ix) * c;
            for (i64 k = 0; k < c; ++k) out[k] += v[k];
          }
        }
        const float scale = 1.0f / static_cast<float>(cells(sy, sx));
        for (i64 k = 0; k < c; ++k) out[k] *= scale;
      }
    }
  });
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const i64 c = s.channels;
  const i64 rows = s.batch * s.in_h;
  const Geometry g = backward_geometry(s);
  const int threads = threads_for(s.input_size() * 2);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 row = lo; row < hi; ++row) {
      const i64 n = row / s.in_h;
      const i64 iy = row - n * s.in_h;
      const Span oys = g.cover_y[static_cast<std::size_t>(iy)];
      for (i64 ix = 0; ix < s.in_w; ++ix) {
        float* out = dx + (row * s.in_w + ix) * c;
        const Span oxs = g.cover_x[static_cast<std::size_t>(ix)];
        bool first = true;
        for (i64 oy = oys.begin; oy < oys.end; ++oy) {
          const Span sy = g.win_y[static_cast<std::size_t>(oy)];
          for (i64 ox = oxs.begin; ox < oxs.end; ++ox) {
            const float scale =
                1.0f / static_cast<float>(cells(sy, g.win_x[static_cast<std::size_t>(ox)]));
            const float* grad = dy + ((n * s.out_h + oy) * s.out_w + ox) * c;
            if (first) {
              for (i64 k = 0; k < c; ++k) out[k] = grad[k] * scale;
              first = false;
            } else {
              for (i64 k = 0; k < c; ++k) out[k] += grad[k] * scale;
            }
          }
        }
        if (first) std::fill(out, out + c, 0.0f);
      }
    }
  });
}

void global_avg_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y) {
  const int threads = std::min<i64>(threads_for(batch * plane * channels), batch);
  parallel_range(0, batch, threads, [&](i64 lo, i64 hi) {
    for (i64 n = lo; n < hi; ++n) {
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
  });
}

void global_avg_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy, float* dx) {
  const float scale = 1.0f / static_cast<float>(plane);
  const i64 rows = batch * plane;
  const int threads = threads_for(rows * channels);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* g = dy + (r / plane) * channels;
      float* out = dx + r * channels;
      for (i64 k = 0; k < channels; ++k) out[k] = g[k] * scale;
    }
  });
}

void global_max_pool2d_forward(i64 batch, i64 plane, i64 channels, const float* x, float* y,
                               int32_t* indices) {
  const int threads = std::min<i64>(threads_for(batch * plane * channels), batch);
  parallel_range(0, batch, threads, [&](i64 lo, i64 hi) {
    for (i64 n = lo; n < hi; ++n) {
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
  });
}

void global_max_pool2d_backward(i64 batch, i64 plane, i64 channels, const float* dy,
                                const int32_t* indices, float* dx) {
  const i64 rows = batch * plane;
  const int threads = threads_for(rows * channels);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const i64 n = r / plane;
      const int32_t cell = static_cast<int32_t>(r - n * plane);
      const float* g = dy + n * channels;
      const int32_t* at = indices + n * channels;
      float* out = dx + r * channels;
      for (i64 k = 0; k < channels; ++k) out[k] = at[k] == cell ? g[k] : 0.0f;
    }
  });
}

}  // namespace ember
