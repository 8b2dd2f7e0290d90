#include "kernels/conv2d.h"

#include <algorithm>
#include <vector>

#include "common/copy.h"
#include "common/parallel.h"
#include "common/workspace.h"
#include "gemm/gemm.h"
#include "gemm/isa.h"
#include "kernels/im2col.h"
#include "kernels/reduce.h"

namespace ember {
namespace {

bool is_pointwise(const Conv2dShape& s) {
  return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
         s.pad_top == 0 && s.pad_left == 0 && s.out_h == s.in_h && s.out_w == s.in_w;
}

// Forward A operand: rows of im2col(x), copied from the image block by block.
class ImageRows final : public gemm::ASource {
 public:
  ImageRows(const Conv2dShape& s, const float* x) : s_(s), x_(x), im2col_(s, x) {}
  gemm::ABlock rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf) const override {
    if (is_pointwise(s_)) return {x_ + m0 * s_.in_c + k0, s_.in_c, false};  // the image itself
    im2col_.rows(m0, mc, k0, kc, buf, kc);
    return {buf, kc, false};
  }

 private:
  const Conv2dShape& s_;
  const float* x_;
  Im2col im2col_;
};

// ---- input gradient, many channels: one gather GEMM per stride phase --------------------

// The input pixels (iy, ix) with iy % stride_h == py and ix % stride_w == px receive gradient
// only through the kernel taps listed here.
struct Phase {
  i64 py, px;
  i64 rows_h, rows_w;  // pixels of this phase per image, along each axis
  std::vector<i64> taps_y, taps_x;
  i64 rows() const { return rows_h * rows_w; }
  i64 taps() const { return static_cast<i64>(taps_y.size() * taps_x.size()); }
};

std::vector<i64> phase_taps(i64 phase, i64 pad, i64 kernel, i64 stride, i64 dilation) {
  std::vector<i64> taps;
  for (i64 k = 0; k < kernel; ++k) {
    const i64 offset = phase + pad - k * dilation;
    if (((offset % stride) + stride) % stride == 0) taps.push_back(k);
  }
  return taps;
}

// A operand for one phase: row = input pixel, columns = (tap, out channel): dy at the output
// pixel the tap connects to, or zero where that falls outside.
class GradRows final : public gemm::ASource {
 public:
  GradRows(const Conv2dShape& s, const Phase& ph, const float* dy) : s_(s), ph_(ph), dy_(dy) {}
  gemm::ABlock rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf) const override {
    const i64 oc = s_.out_c;
    const i64 ntx = static_cast<i64>(ph_.taps_x.size());
    // Runs of the column range: (tap, first channel, length), once per block.
    struct Run {
      i64 dy_off, dx_off;  // tap offsets (ky * dilation_h, kx * dilation_w)
      i64 o, len, out;
    };
    thread_local std::vector<Run> runs;
    runs.clear();
    for (i64 k = k0; k < k0 + kc;) {
      const i64 t = k / oc;
      const i64 o = k - t * oc;
      const i64 len = std::min(oc - o, k0 + kc - k);
      runs.push_back({ph_.taps_y[t / ntx] * s_.dilation_h, ph_.taps_x[t % ntx] * s_.dilation_w, o,
                      len, k - k0});
      k += len;
    }
    const i64 plane = ph_.rows();
    i64 n = m0 / plane;
    i64 i = (m0 - n * plane) / ph_.rows_w;
    i64 j = m0 - n * plane - i * ph_.rows_w;
    for (i64 r = 0; r < mc; ++r) {
      const float* image = dy_ + n * s_.out_h * s_.out_w * oc;
      // Offsets into the padded input; the phase makes them multiples of the strides.
      const i64 ty = ph_.py + i * s_.stride_h + s_.pad_top;
      const i64 tx = ph_.px + j * s_.stride_w + s_.pad_left;
      float* dst = buf + r * kc;
      for (const Run& run : runs) {
        const i64 y = ty - run.dy_off;
        const i64 x = tx - run.dx_off;
        const i64 oy = y / s_.stride_h;
        const i64 ox = x / s_.stride_w;
        if (y >= 0 && x >= 0 && oy < s_.out_h && ox < s_.out_w) {
          copy_floats(dst + run.out, image + (oy * s_.out_w + ox) * oc + run.o, run.len);
        } else {
          zero_floats(dst + run.out, run.len);
        }
      }
      if (++j == ph_.rows_w) {
        j = 0;
        if (++i == ph_.rows_h) {
          i = 0;
          ++n;
        }
      }
    }
    return {buf, kc, false};
  }

 private:
  const Conv2dShape& s_;
  const Phase& ph_;
  const float* dy_;
};

// B operand for one phase: B[(tap, o)][c] = W[ky][kx][c][o].
class FilterTaps final : public gemm::BSource {
 public:
  FilterTaps(const Conv2dShape& s, const Phase& ph, const float* w) : s_(s), ph_(ph), w_(w) {}
  void pack(i64 k0, i64 kc, i64 n0, i64 nc, int nr, float* dst) const override {
    const i64 oc = s_.out_c;
    const i64 ntx = static_cast<i64>(ph_.taps_x.size());
    for (i64 p = 0; p * nr < nc; ++p) {
      const i64 width = std::min<i64>(nr, nc - p * nr);
      float* panel = dst + p * kc * nr;
      for (i64 k = 0; k < kc; ++k) {
        const i64 t = (k0 + k) / oc;
        const i64 o = (k0 + k) - t * oc;
        const i64 tap = ph_.taps_y[t / ntx] * s_.kernel_w + ph_.taps_x[t % ntx];
        const float* src = w_ + (tap * s_.in_c + n0 + p * nr) * oc + o;
        float* out = panel + k * nr;
        for (i64 c = 0; c < width; ++c) out[c] = src[c * oc];
        zero_floats(out + width, nr - width);
      }
    }
  }

 private:
  const Conv2dShape& s_;
  const Phase& ph_;
  const float* w_;
};

void backward_input_by_phases(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const i64 channels = s.in_c;
  thread_local std::vector<i64> row_offsets;
  for (i64 py = 0; py < s.stride_h; ++py) {
    for (i64 px = 0; px < s.stride_w; ++px) {
      Phase ph;
      ph.py = py;
      ph.px = px;
      ph.rows_h = py < s.in_h ? ceil_div(s.in_h - py, s.stride_h) : 0;
      ph.rows_w = px < s.in_w ? ceil_div(s.in_w - px, s.stride_w) : 0;
      if (ph.rows() == 0) continue;
      ph.taps_y = phase_taps(py, s.pad_top, s.kernel_h, s.stride_h, s.dilation_h);
      ph.taps_x = phase_taps(px, s.pad_left, s.kernel_w, s.stride_w, s.dilation_w);
      const i64 rows = s.batch * ph.rows();

      gemm::Output out;
      out.data = dx;
      out.ld = channels;
      if (s.stride_h != 1 || s.stride_w != 1) {
        row_offsets.resize(static_cast<std::size_t>(rows));
        std::size_t r = 0;
        for (i64 n = 0; n < s.batch; ++n) {
          for (i64 i = 0; i < ph.rows_h; ++i) {
            for (i64 j = 0; j < ph.rows_w; ++j) {
              const i64 iy = py + i * s.stride_h;
              const i64 ix = px + j * s.stride_w;
              row_offsets[r++] = ((n * s.in_h + iy) * s.in_w + ix) * channels;
            }
          }
        }
        out.row_offsets = row_offsets.data();
      }
      // A phase no tap reaches gets K = 0, which the engine turns into zeros.
      const GradRows a(s, ph, dy);
      const FilterTaps b(s, ph, w);
      gemm::gemm(rows, channels, ph.taps() * s.out_c, a, b, out);
    }
  }
}

// ---- input gradient, few channels: columns W @ dy^T, then col2im ------------------------

// Output row that input row i reads through each kernel row k (or -1), for every i and k.
std::vector<i64> tap_rows(i64 in, i64 out, i64 kernel, i64 stride, i64 dilation, i64 pad) {
  std::vector<i64> src(static_cast<std::size_t>(in * kernel), -1);
  for (i64 i = 0; i < in; ++i) {
    for (i64 k = 0; k < kernel; ++k) {
      const i64 y = i + pad - k * dilation;
      if (y >= 0 && y % stride == 0 && y / stride < out) src[i * kernel + k] = y / stride;
    }
  }
  return src;
}

// For kernel column kx: the input columns ix = first + j * stride (j < count) that read output
// column first_out + j through it.
struct TapColumns {
  i64 first, count, first_out;
};

TapColumns tap_columns(const Conv2dShape& s, i64 kx) {
  TapColumns t{0, 0, 0};
  const i64 shift = s.pad_left - kx * s.dilation_w;  // ix + shift = ox * stride
  i64 ix = std::max<i64>(0, -shift);
  while (ix < s.in_w && (ix + shift) % s.stride_w != 0) ++ix;
  if (ix >= s.in_w) return t;
  t.first = ix;
  t.first_out = (ix + shift) / s.stride_w;
  t.count = std::max<i64>(0, std::min(ceil_div(s.in_w - ix, s.stride_w), s.out_w - t.first_out));
  return t;
}

void backward_input_by_columns(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const i64 patch = s.patch_size();  // kh * kw * in_c rows of the columns matrix
  const i64 plane_out = s.out_h * s.out_w;
  const i64 c = s.in_c;
  // Images per block so that the columns (about 1 MB) are still in cache for the col2im.
  const i64 images =
      std::clamp<i64>((i64{1} << 18) / std::max<i64>(plane_out * patch, 1), 1, s.batch);
  float* cols = thread_workspace(WorkspaceSlot::kernel0, images * plane_out * patch);
  const std::vector<i64> rows_y =
      tap_rows(s.in_h, s.out_h, s.kernel_h, s.stride_h, s.dilation_h, s.pad_top);
  std::vector<TapColumns> cols_x(static_cast<std::size_t>(s.kernel_w));
  for (i64 kx = 0; kx < s.kernel_w; ++kx) cols_x[static_cast<std::size_t>(kx)] = tap_columns(s, kx);

  for (i64 n0 = 0; n0 < s.batch; n0 += images) {
    const i64 count = std::min(images, s.batch - n0);
    const i64 ld = count * plane_out;
    // cols (patch x pixels) = W (patch x out_c) @ dy^T: each row is one (tap, channel) plane.
    gemm::gemm(false, true, patch, ld, s.out_c, 1.0f, w, s.out_c, dy + n0 * plane_out * s.out_c,
               s.out_c, 0.0f, cols, ld);
    // col2im as a gather: each input row adds the shifted output rows of its taps.
    const i64 rows = count * s.in_h;
    const int threads = threads_for(rows * s.in_w * patch);
    parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
      for (i64 row = lo; row < hi; ++row) {
        const i64 n = row / s.in_h;
        const i64 iy = row - n * s.in_h;
        float* out = dx + ((n0 + n) * s.in_h + iy) * s.in_w * c;
        zero_floats(out, s.in_w * c);
        for (i64 ky = 0; ky < s.kernel_h; ++ky) {
          const i64 oy = rows_y[static_cast<std::size_t>(iy * s.kernel_h + ky)];
          if (oy < 0) continue;
          for (i64 kx = 0; kx < s.kernel_w; ++kx) {
            const TapColumns& t = cols_x[static_cast<std::size_t>(kx)];
            for (i64 ch = 0; ch < c; ++ch) {
              const float* src = cols + ((ky * s.kernel_w + kx) * c + ch) * ld + n * plane_out +
                                 oy * s.out_w + t.first_out;
              float* dst = out + t.first * c + ch;
              const i64 step = s.stride_w * c;
              if (step == 1) {  // one channel, stride 1: a contiguous, vectorized add
                for (i64 j = 0; j < t.count; ++j) dst[j] += src[j];
              } else {
                for (i64 j = 0; j < t.count; ++j) dst[j * step] += src[j];
              }
            }
          }
        }
      }
    });
  }
}

// ---- input gradient, many channels and a shrinking output: pixel columns, then col2im ---

// cols (pixels x patch) = dy @ W^T: row p holds, tap by tap, the in_c values that output pixel p
// sends back through that tap. Every input pixel then sums the in_c-float runs of the
// (output pixel, tap) pairs that reach it. Unlike the phase form this multiplies no zeros at
// the borders of a 'valid' layer (a third of the phase form's work on 3x3 'valid' 15 -> 13).
void backward_input_by_pixel_columns(const Conv2dShape& s, const float* dy, const float* w,
                                     float* dx) {
  const i64 patch = s.patch_size();
  const i64 plane_out = s.out_h * s.out_w;
  const i64 c = s.in_c;
  // Images per block so that the columns (about 1 MB) are still in cache for the col2im.
  const i64 images =
      std::clamp<i64>((i64{1} << 18) / std::max<i64>(plane_out * patch, 1), 1, s.batch);
  float* cols = thread_workspace(WorkspaceSlot::kernel0, images * plane_out * patch);
  const std::vector<i64> rows_y =
      tap_rows(s.in_h, s.out_h, s.kernel_h, s.stride_h, s.dilation_h, s.pad_top);
  const std::vector<i64> rows_x =
      tap_rows(s.in_w, s.out_w, s.kernel_w, s.stride_w, s.dilation_w, s.pad_left);

  for (i64 n0 = 0; n0 < s.batch; n0 += images) {
    const i64 count = std::min(images, s.batch - n0);
    gemm::gemm(false, true, count * plane_out, patch, s.out_c, 1.0f, dy + n0 * plane_out * s.out_c,
               s.out_c, w, s.out_c, 0.0f, cols, patch);
    const i64 rows = count * s.in_h;
    const int threads = threads_for(rows * s.in_w * patch);
    parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
      for (i64 row = lo; row < hi; ++row) {
        const i64 n = row / s.in_h;
        const i64 iy = row - n * s.in_h;
        float* out = dx + ((n0 + n) * s.in_h + iy) * s.in_w * c;
        zero_floats(out, s.in_w * c);
        const float* image_cols = cols + n * plane_out * patch;
        for (i64 ky = 0; ky < s.kernel_h; ++ky) {
          const i64 oy = rows_y[static_cast<std::size_t>(iy * s.kernel_h + ky)];
          if (oy < 0) continue;
          for (i64 ix = 0; ix < s.in_w; ++ix) {
            float* __restrict d = out + ix * c;
            for (i64 kx = 0; kx < s.kernel_w; ++kx) {
              const i64 ox = rows_x[static_cast<std::size_t>(ix * s.kernel_w + kx)];
              if (ox < 0) continue;
              const float* __restrict src =
                  image_cols + (oy * s.out_w + ox) * patch + (ky * s.kernel_w + kx) * c;
              for (i64 ch = 0; ch < c; ++ch) d[ch] += src[ch];
            }
          }
        }
      }
    });
  }
}

// ---- weight gradient --------------------------------------------------------------------

// Pixels per im2col sub-block: about 1 MB of columns, at least 64 pixels.
i64 subblock_pixels(i64 patch) { return std::max<i64>(64, (i64{1} << 18) / patch); }

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    Activation act, float* y) {
  const ImageRows a(s, x);
  const gemm::MatrixB b(w, s.out_c, false);
  gemm::Output out;
  out.data = y;
  out.ld = s.out_c;
  gemm::Epilogue ep;
  ep.bias = bias;
  ep.act = act;
  gemm::gemm(s.out_pixels(), s.out_c, s.patch_size(), a, b, out, ep);
}

// Multiply-adds of the phase form: every input pixel against the taps that reach it.
double phase_macs(const Conv2dShape& s) {
  double macs = 0;
  for (i64 py = 0; py < std::min(s.stride_h, s.in_h); ++py) {
    const double rows_h = static_cast<double>(ceil_div(s.in_h - py, s.stride_h));
    const double taps_y =
        static_cast<double>(phase_taps(py, s.pad_top, s.kernel_h, s.stride_h, s.dilation_h).size());
    for (i64 px = 0; px < std::min(s.stride_w, s.in_w); ++px) {
      const double rows_w = static_cast<double>(ceil_div(s.in_w - px, s.stride_w));
      const double taps_x = static_cast<double>(
          phase_taps(px, s.pad_left, s.kernel_w, s.stride_w, s.dilation_w).size());
      macs += rows_h * rows_w * taps_y * taps_x;
    }
  }
  return macs * static_cast<double>(s.batch * s.out_c * s.in_c);
}

void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  // Three ways to the same gradient. The phase form is one GEMM per stride phase with
  // N = in_c; it is the faster one for convolutions with many channels (about 1.7x on 3x3
  // 'same' layers of 32-64 channels, measured). The column forms (a GEMM over output pixels,
  // then a col2im pass) win when the phase form would waste its tiles on few channels, or when
  // it would multiply many zeros: a 'valid' layer whose output is much smaller than its input
  // (a 5x5 'valid' on a 5x5 input reaches each input pixel through one tap of 25). Of those,
  // pixel columns add runs of in_c floats; channel columns (W @ dy^T) keep a single channel's
  // col2im contiguous, for inputs with one to three channels.
  const double col_macs = static_cast<double>(s.out_pixels()) *
                          static_cast<double>(s.patch_size()) * static_cast<double>(s.out_c);
  const bool few_channels = 2 * s.in_c < active_isa().wide.nr;
  const bool shrinking = col_macs < 0.7 * phase_macs(s);
  if (shrinking && s.in_c >= 4) {
    // Pixel columns: the CIFAR CNN's 3x3 'valid' 6 -> 4 at 64 channels 0.80 -> 0.47 ms and
    // LeNet's 5x5 14 -> 10 at 6 channels 1.2 -> 1.0 ms (batch 32, 2 threads, measured).
    backward_input_by_pixel_columns(s, dy, w, dx);
  } else if (few_channels || shrinking) {
    backward_input_by_columns(s, dy, w, dx);
  } else {
    backward_input_by_phases(s, dy, w, dx);
  }
}

void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  const i64 pixels = s.out_pixels();
  const i64 patch = s.patch_size();
  const i64 oc = s.out_c;
  const i64 tile = oc * patch;  // one chunk's partial dW
  // Chunks reduce in a fixed order; their count depends on the shape only (at most 16, and
  // at most 32 MB of partial sums).
  const i64 chunks =
      std::clamp<i64>(std::min(fixed_chunks(pixels, 512), (i64{1} << 23) / tile), 1, 16);
  const i64 chunk_rows = ceil_div(pixels, chunks);
  const i64 sub = subblock_pixels(patch);
  float* partial = thread_workspace(WorkspaceSlot::kernel0, chunks * tile);
  // dW (patch x out_c) = im2col^T @ dy, or its transpose dy^T @ im2col: whichever wastes less
  // of the micro-tiles. Both read the transposed operand in place (k-major).
  const bool transposed = gemm::tile_efficiency(oc, patch) > gemm::tile_efficiency(patch, oc);
  const Im2col im2col(s, x);

  auto run_chunk = [&](i64 c, bool parallel) {
    const i64 p0 = c * chunk_rows;
    const i64 p1 = std::min(pixels, p0 + chunk_rows);
    float* cols = thread_workspace(WorkspaceSlot::kernel1, sub * patch);
    for (i64 q = p0; q < p1; q += sub) {
      const i64 rows = std::min(sub, p1 - q);
      im2col.rows(q, rows, 0, patch, cols, patch);
      const float beta = q == p0 ? 0.0f : 1.0f;
      float* out = partial + c * tile;
      if (transposed) {
        gemm::gemm(true, false, oc, patch, rows, 1.0f, dy + q * oc, oc, cols, patch, beta, out,
                   patch, {}, parallel);
      } else {
        gemm::gemm(true, false, patch, oc, rows, 1.0f, cols, patch, dy + q * oc, oc, beta, out, oc,
                   {}, parallel);
      }
    }
  };
  const int threads = std::min<i64>(threads_for(pixels * patch * oc), chunks);
  if (threads > 1 && chunks >= threads) {
    parallel_tasks(chunks, threads, [&](i64 c) { run_chunk(c, false); });
  } else {
    for (i64 c = 0; c < chunks; ++c) run_chunk(c, true);
  }
  if (transposed) {
    sum_slices_transposed(partial, chunks, oc, patch, dw);
  } else {
    sum_slices(partial, chunks, tile, dw);
  }
}

void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db) {
  column_sums(dy, s.out_pixels(), s.out_c, db);
}

}  // namespace ember
