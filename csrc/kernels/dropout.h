// Inverted dropout with a counter-based mask: element i of a flat array is kept or dropped
// according to a hash of (seed, i) alone, so the mask is the same on any thread count, needs no
// state between calls, and the backward pass regenerates it instead of storing it.
//
//   y = x * (1 / (1 - rate)) * keep(seed, i),   keep with probability 1 - rate
//
// (Keras/TensorFlow: x * scale * (uniform >= rate).) The hash is SplitMix64's output function on
// the counter key + i * 0x9e3779b97f4a7c15, with key itself a SplitMix64 mix of the seed; its top
// 32 bits are the uniform draw. Backward is the same map applied to dy.
#pragma once

#include <cstdint>

#include "common/types.h"

// The CUDA kernels (csrc/cuda/activation.cu) compile these inline functions for the device too, so
// both draw exactly the same mask.
#if defined(__CUDACC__)
#define EMBER_HOST_DEVICE __host__ __device__
#else
#define EMBER_HOST_DEVICE
#endif

namespace ember {

struct DropoutMask {
  std::uint64_t key;        // mixed seed
  std::uint64_t threshold;  // keep iff the draw (32 bits) >= threshold = ceil(rate * 2^32)
  float scale;              // 1 / (1 - rate)
};

// rate in [0, 1).
DropoutMask make_dropout_mask(double rate, std::uint64_t seed);

EMBER_HOST_DEVICE inline std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Whether element i survives.
EMBER_HOST_DEVICE inline bool dropout_keeps(const DropoutMask& m, i64 i) {
  const std::uint64_t bits =
      splitmix64_mix(m.key + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL);
  return (bits >> 32) >= m.threshold;
}

// y[i] = x[i] * scale * keep(i) for i < n; forward on x, backward on dy. x == y is allowed.
void dropout_apply(const DropoutMask& m, const float* x, float* y, i64 n);

}  // namespace ember
