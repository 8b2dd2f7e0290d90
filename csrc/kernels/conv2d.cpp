#include "kernels/conv2d.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/parallel.h"
#include "common/workspace.h"
#include "gemm/gemm.h"
#include "kernels/reduce.h"

namespace ember {
namespace {

void zero(float* p, i64 n) {
  if (n > 0) std::memset(p, 0, static_cast<std::size_t>(n) * sizeof(float));
}

void copy(float* dst, const float* src, i64 n) {
  if (n > 0) std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
}

// Writes im2col(x)[pixel][k0 .. k0+len) to dst. An NHWC im2col row is, per kernel row ky, a
// contiguous run of kernel_w * in_c input values (dilation 1), so this is mostly memcpy.
void im2col_segment(const Conv2dShape& s, const float* x, i64 pixel, i64 k0, i64 len, float* dst) {
  const i64 plane = s.out_h * s.out_w;
  const i64 n = pixel / plane;
  const i64 rem = pixel - n * plane;
  const i64 oy = rem / s.out_w;
  const i64 ox = rem - oy * s.out_w;
  const i64 iy0 = oy * s.stride_h - s.pad_top;
  const i64 ix0 = ox * s.stride_w - s.pad_left;
  const i64 channels = s.in_c;
  const i64 row_len = s.kernel_w * channels;
  const float* image = x + n * s.in_h * s.in_w * channels;

  i64 k = k0;
  const i64 end = k0 + len;
  while (k < end) {
    const i64 ky = k / row_len;
    const i64 pos = k - ky * row_len;
    const i64 stop = std::min(row_len, pos + (end - k));
    const i64 iy = iy0 + ky * s.dilation_h;
    if (iy < 0 || iy >= s.in_h) {
      zero(dst, stop - pos);
    } else if (s.dilation_w == 1) {
      // Positions [pos, stop) read input columns ix0 + p / C; columns outside [0, in_w) are
      // padding.
      const float* src = image + (iy * s.in_w + ix0) * channels;
      const i64 lo = std::clamp(-ix0 * channels, pos, stop);
      const i64 hi = std::clamp((s.in_w - ix0) * channels, lo, stop);
      zero(dst, lo - pos);
      copy(dst + (lo - pos), src + lo, hi - lo);
      zero(dst + (hi - pos), stop - hi);
    } else {
      i64 p = pos;
      while (p < stop) {
        const i64 kx = p / channels;
        const i64 c = p - kx * channels;
        const i64 run = std::min(channels - c, stop - p);
        const i64 ix = ix0 + kx * s.dilation_w;
        if (ix < 0 || ix >= s.in_w) {
          zero(dst + (p - pos), run);
        } else {
          copy(dst + (p - pos), image + (iy * s.in_w + ix) * channels + c, run);
        }
        p += run;
      }
    }
    dst += stop - pos;
    k += stop - pos;
  }
}

bool is_pointwise(const Conv2dShape& s) {
  return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
         s.pad_top == 0 && s.pad_left == 0 && s.out_h == s.in_h && s.out_w == s.in_w;
}

// Forward A operand: rows of im2col(x), copied from the image block by block.
class ImageRows final : public gemm::ASource {
 public:
  ImageRows(const Conv2dShape& s, const float* x) : s_(s), x_(x) {}
  const float* rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf, i64* ld) const override {
    if (is_pointwise(s_)) {  // a 1x1 stride-1 convolution reads the image as it is
      *ld = s_.in_c;
      return x_ + m0 * s_.in_c + k0;
    }
    for (i64 r = 0; r < mc; ++r) im2col_segment(s_, x_, m0 + r, k0, kc, buf + r * kc);
    *ld = kc;
    return buf;
  }

 private:
  const Conv2dShape& s_;
  const float* x_;
};

// Weight-gradient B operand: im2col(x) itself (pixels x patch), for the pixels of one chunk.
class ImageColumns final : public gemm::BSource {
 public:
  ImageColumns(const Conv2dShape& s, const float* x, i64 first_pixel)
      : s_(s), x_(x), first_pixel_(first_pixel) {}
  void pack(i64 k0, i64 kc, i64 n0, i64 nc, int nr, float* dst) const override {
    float* row = thread_workspace(WorkspaceSlot::kernel2, nc);
    const i64 panels = ceil_div(nc, nr);
    for (i64 k = 0; k < kc; ++k) {
      im2col_segment(s_, x_, first_pixel_ + k0 + k, n0, nc, row);
      for (i64 p = 0; p < panels; ++p) {
        const i64 width = std::min<i64>(nr, nc - p * nr);
        float* out = dst + p * kc * nr + k * nr;
        copy(out, row + p * nr, width);
        zero(out + width, nr - width);
      }
    }
  }

 private:
  const Conv2dShape& s_;
  const float* x_;
  i64 first_pixel_;
};

// One stride phase of the input gradient: the input pixels (iy, ix) with iy % stride_h == py and
// ix % stride_w == px receive gradient only through the kernel taps listed here.
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

// Input-gradient A operand for one phase: row = input pixel, columns = (tap, out channel), the
// values dy at the output pixel that tap connects to (zero where it falls outside).
class GradRows final : public gemm::ASource {
 public:
  GradRows(const Conv2dShape& s, const Phase& ph, const float* dy) : s_(s), ph_(ph), dy_(dy) {}
  const float* rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf, i64* ld) const override {
    const i64 oc = s_.out_c;
    const i64 ntx = static_cast<i64>(ph_.taps_x.size());
    for (i64 r = 0; r < mc; ++r) {
      const i64 row = m0 + r;
      const i64 n = row / ph_.rows();
      const i64 rem = row - n * ph_.rows();
      const i64 i = rem / ph_.rows_w;
      const i64 j = rem - i * ph_.rows_w;
      const i64 iy = ph_.py + i * s_.stride_h;
      const i64 ix = ph_.px + j * s_.stride_w;
      const float* image = dy_ + n * s_.out_h * s_.out_w * oc;
      float* dst = buf + r * kc;
      i64 k = k0;
      const i64 end = k0 + kc;
      while (k < end) {
        const i64 t = k / oc;
        const i64 o = k - t * oc;
        const i64 run = std::min(oc - o, end - k);
        const i64 ky = ph_.taps_y[t / ntx];
        const i64 kx = ph_.taps_x[t % ntx];
        // Exact divisions: the phase was built so these offsets are multiples of the stride.
        const i64 oy = (iy + s_.pad_top - ky * s_.dilation_h) / s_.stride_h;
        const i64 ox = (ix + s_.pad_left - kx * s_.dilation_w) / s_.stride_w;
        const bool inside = iy + s_.pad_top - ky * s_.dilation_h >= 0 &&
                            ix + s_.pad_left - kx * s_.dilation_w >= 0 && oy < s_.out_h &&
                            ox < s_.out_w;
        if (inside) {
          copy(dst, image + (oy * s_.out_w + ox) * oc + o, run);
        } else {
          zero(dst, run);
        }
        dst += run;
        k += run;
      }
    }
    *ld = kc;
    return buf;
  }

 private:
  const Conv2dShape& s_;
  const Phase& ph_;
  const float* dy_;
};

// Input-gradient B operand for one phase: B[(tap, o)][c] = W[ky][kx][c][o].
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
        for (i64 j = 0; j < width; ++j) out[j] = src[j * oc];
        zero(out + width, nr - width);
      }
    }
  }

 private:
  const Conv2dShape& s_;
  const Phase& ph_;
  const float* w_;
};

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

void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
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
      const bool single_phase = s.stride_h == 1 && s.stride_w == 1;
      if (!single_phase) {
        row_offsets.resize(static_cast<std::size_t>(rows));
        i64 r = 0;
        for (i64 n = 0; n < s.batch; ++n) {
          for (i64 i = 0; i < ph.rows_h; ++i) {
            for (i64 j = 0; j < ph.rows_w; ++j) {
              const i64 iy = py + i * s.stride_h;
              const i64 ix = px + j * s.stride_w;
              row_offsets[static_cast<std::size_t>(r++)] =
                  ((n * s.in_h + iy) * s.in_w + ix) * channels;
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

void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  const i64 pixels = s.out_pixels();
  const i64 patch = s.patch_size();
  const i64 oc = s.out_c;
  const i64 chunks = fixed_chunks(pixels, 512);
  const i64 chunk_rows = ceil_div(pixels, chunks);
  const i64 tile = oc * patch;  // one chunk's dW^T (out_c x patch)
  float* partial = thread_workspace(WorkspaceSlot::kernel0, chunks * tile);

  auto run_chunk = [&](i64 c, bool parallel) {
    const i64 p0 = c * chunk_rows;
    const i64 rows = std::min(chunk_rows, pixels - p0);
    // dW^T (out_c x patch) = dy^T (out_c x rows) @ im2col(x) (rows x patch)
    const gemm::MatrixA a(dy + p0 * oc, oc, true);
    const ImageColumns b(s, x, p0);
    gemm::Output out;
    out.data = partial + c * tile;
    out.ld = patch;
    gemm::Options opt;
    opt.parallel = parallel;
    gemm::gemm(oc, patch, rows, a, b, out, {}, opt);
  };
  const int threads = std::min<i64>(threads_for(pixels * patch * oc), chunks);
  if (threads > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (i64 c = 0; c < chunks; ++c) run_chunk(c, false);
  } else {
    for (i64 c = 0; c < chunks; ++c) run_chunk(c, true);
  }
  // dW[k][o] = sum over chunks of partial[c][o][k], chunks added in order.
  sum_slices_transposed(partial, chunks, oc, patch, dw);
}

void conv2d_backward_bias(const Conv2dShape& s, const float* dy, float* db) {
  column_sums(dy, s.out_pixels(), s.out_c, db);
}

}  // namespace ember
