#include "kernels/im2col.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/copy.h"

namespace ember {
namespace {

// The part of a column range [k0, k0 + len) that falls in one kernel row.
struct Piece {
  i64 ky;    // kernel row
  i64 pos;   // first position within the kernel row (kx * in_c + c)
  i64 stop;  // one past the last position
  i64 out;   // offset of the piece within the output row
};

constexpr int kMaxPieces = 64;

// Copies `rows` runs of N floats, run r from src + r * step: N is a compile-time constant, so
// each run is one or two inline vector moves instead of a call.
template <int N>
void copy_runs(float* dst, const float* src, i64 step, i64 rows) {
  for (i64 r = 0; r < rows; ++r) std::memcpy(dst + r * N, src + r * step, N * sizeof(float));
}

using CopyRuns = void (*)(float*, const float*, i64, i64);

template <int... Ns>
constexpr CopyRuns pick_copy(i64 n, std::integer_sequence<int, Ns...>) {
  CopyRuns table[] = {nullptr, copy_runs<Ns + 1>...};
  return n >= 1 && n <= static_cast<i64>(sizeof...(Ns)) ? table[n] : nullptr;
}

// A fixed-size copier for kernel rows of up to 32 floats (the small-channel layers where
// per-run overhead dominates), or null.
CopyRuns fixed_copy(i64 n) { return pick_copy(n, std::make_integer_sequence<int, 32>{}); }

}  // namespace

void Im2col::rows(i64 m0, i64 count, i64 k0, i64 len, float* dst, i64 ld) const {
  const Conv2dShape& s = s_;
  const i64 channels = s.in_c;
  const i64 row_len = s.kernel_w * channels;

  // Split the column range into kernel-row pieces once for the whole block.
  Piece pieces[kMaxPieces];
  int npieces = 0;
  for (i64 k = k0; k < k0 + len;) {
    const i64 ky = k / row_len;
    const i64 pos = k - ky * row_len;
    const i64 stop = std::min(row_len, pos + (k0 + len - k));
    if (npieces == kMaxPieces) {  // very tall kernels: finish this block in two calls
      rows(m0, count, k, k0 + len - k, dst + (k - k0), ld);
      break;
    }
    pieces[npieces++] = {ky, pos, stop, k - k0};
    k += stop - pos;
  }

  // When the block spans whole im2col rows of short kernel rows, interior windows are copied
  // by a fixed-size copier.
  const CopyRuns whole_rows =
      k0 == 0 && len == s.kernel_h * row_len && s.dilation_w == 1 ? fixed_copy(row_len) : nullptr;

  // Pixel coordinates of the first row, then advanced row by row without divisions.
  const i64 plane = s.out_h * s.out_w;
  i64 n = m0 / plane;
  i64 oy = (m0 - n * plane) / s.out_w;
  i64 ox = m0 - n * plane - oy * s.out_w;
  for (i64 r = 0; r < count; ++r) {
    const float* image = x_ + n * s.in_h * s.in_w * channels;
    const i64 iy0 = oy * s.stride_h - s.pad_top;
    const i64 ix0 = ox * s.stride_w - s.pad_left;
    float* row = dst + r * ld;
    // Most windows lie wholly inside the image: then every piece is one plain copy.
    const bool interior = s.dilation_w == 1 && ix0 >= 0 && ix0 + s.kernel_w <= s.in_w && iy0 >= 0 &&
                          iy0 + (s.kernel_h - 1) * s.dilation_h < s.in_h;
    if (interior && whole_rows != nullptr) {
      const float* src = image + (iy0 * s.in_w + ix0) * channels;
      whole_rows(row, src, s.dilation_h * s.in_w * channels, s.kernel_h);
    } else if (interior) {
      for (int p = 0; p < npieces; ++p) {
        const Piece& pc = pieces[p];
        const float* src = image + ((iy0 + pc.ky * s.dilation_h) * s.in_w + ix0) * channels;
        copy_floats(row + pc.out, src + pc.pos, pc.stop - pc.pos);
      }
    }
    for (int p = 0; p < (interior ? 0 : npieces); ++p) {  // windows touching the border
      const Piece& pc = pieces[p];
      float* out = row + pc.out;
      const i64 iy = iy0 + pc.ky * s.dilation_h;
      if (iy < 0 || iy >= s.in_h) {
        zero_floats(out, pc.stop - pc.pos);
      } else if (s.dilation_w == 1) {
        // Positions read input columns ix0 + pos / C; those outside [0, in_w) are padding.
        const float* src = image + (iy * s.in_w + ix0) * channels;
        const i64 lo = std::clamp(-ix0 * channels, pc.pos, pc.stop);
        const i64 hi = std::clamp((s.in_w - ix0) * channels, lo, pc.stop);
        zero_floats(out, lo - pc.pos);
        copy_floats(out + (lo - pc.pos), src + lo, hi - lo);
        zero_floats(out + (hi - pc.pos), pc.stop - hi);
      } else {
        for (i64 q = pc.pos; q < pc.stop;) {
          const i64 kx = q / channels;
          const i64 c = q - kx * channels;
          const i64 run = std::min(channels - c, pc.stop - q);
          const i64 ix = ix0 + kx * s.dilation_w;
          if (ix < 0 || ix >= s.in_w) {
            zero_floats(out + (q - pc.pos), run);
          } else {
            copy_floats(out + (q - pc.pos), image + (iy * s.in_w + ix) * channels + c, run);
          }
          q += run;
        }
      }
    }
    if (++ox == s.out_w) {
      ox = 0;
      if (++oy == s.out_h) {
        oy = 0;
        ++n;
      }
    }
  }
}

}  // namespace ember
