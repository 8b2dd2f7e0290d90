#include "kernels/dropout.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/parallel.h"

namespace ember {

DropoutMask make_dropout_mask(double rate, std::uint64_t seed) {
  DropoutMask m;
  // Mixing the seed first keeps nearby seeds (1, 2, 3...) from giving shifted copies of one
  // counter stream.
  m.key = splitmix64_mix(seed ^ 0x243f6a8885a308d3ULL);
  m.threshold = static_cast<std::uint64_t>(std::ceil(rate * 4294967296.0));
  m.scale = static_cast<float>(1.0 / (1.0 - rate));
  return m;
}

namespace {

// 1.0f if element i is kept, else 0.0f, without a branch: a data-dependent branch here is
// mispredicted half the time and costs several times the hash itself.
inline float keep_factor(const DropoutMask& m, i64 i) {
  const std::uint32_t all = 0u - static_cast<std::uint32_t>(dropout_keeps(m, i));
  const std::uint32_t bits = 0x3f800000u & all;  // the bits of 1.0f, or 0
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

void dropout_apply(const DropoutMask& m, const float* x, float* y, i64 n) {
  if (n == 0) return;
  constexpr i64 kBlock = 16384;
  const i64 blocks = ceil_div(n, kBlock);
  const int threads = static_cast<int>(std::min<i64>(threads_for(n * 16), blocks));
  parallel_range(0, blocks, threads, [&](i64 lo, i64 hi) {
    for (i64 b = lo; b < hi; ++b) {
      // A local copy: as far as the compiler knows y could alias m, forcing a reload per element.
      const DropoutMask mask = m;
      const i64 end = std::min(n, (b + 1) * kBlock);
      for (i64 i = b * kBlock; i < end; ++i) {
        // Multiplying by a 0/1 factor (not selecting 0) lets NaN through, as TensorFlow does.
        y[i] = x[i] * mask.scale * keep_factor(mask, i);
      }
    }
  });
}

}  // namespace ember
