// Float copies and fills tuned for the short runs of im2col (a few to a few hundred floats):
// fixed-size chunks compile to inline vector moves, so a 9-float run does not pay for a libc call.
#pragma once

#include <cstring>

#include "common/types.h"

namespace ember {

inline void copy_floats(float* dst, const float* src, i64 n) {
  if (n >= 128) {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
    return;
  }
  i64 i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(dst + i, src + i, 8 * sizeof(float));
  if (i + 4 <= n) {
    std::memcpy(dst + i, src + i, 4 * sizeof(float));
    i += 4;
  }
  for (; i < n; ++i) dst[i] = src[i];
}

inline void zero_floats(float* dst, i64 n) {
  if (n >= 128) {
    std::memset(dst, 0, static_cast<std::size_t>(n) * sizeof(float));
    return;
  }
  i64 i = 0;
  for (; i + 8 <= n; i += 8) std::memset(dst + i, 0, 8 * sizeof(float));
  for (; i < n; ++i) dst[i] = 0.0f;
}

}  // namespace ember
