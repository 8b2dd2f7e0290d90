#include "kernels/reduce.h"

#include <algorithm>

#include "common/parallel.h"
#include "common/workspace.h"

namespace ember {

i64 fixed_chunks(i64 rows, i64 rows_per_chunk) {
  return std::clamp<i64>(ceil_div(rows, rows_per_chunk), 1, 16);
}

void column_sums(const float* x, i64 rows, i64 cols, float* out) {
  const i64 chunks = fixed_chunks(rows, 1024);
  const i64 chunk_rows = ceil_div(rows, chunks);
  float* partial = thread_workspace(WorkspaceSlot::kernel1, chunks * cols);
  const int threads = std::min<i64>(threads_for(rows * cols), chunks);
  parallel_range(0, chunks, threads, [&](i64 lo, i64 hi) {
    for (i64 c = lo; c < hi; ++c) {
      float* acc = partial + c * cols;
      std::fill(acc, acc + cols, 0.0f);
      const i64 end = std::min(rows, (c + 1) * chunk_rows);
      for (i64 r = c * chunk_rows; r < end; ++r) {
        const float* row = x + r * cols;
        for (i64 j = 0; j < cols; ++j) acc[j] += row[j];
      }
    }
  });
  for (i64 j = 0; j < cols; ++j) out[j] = partial[j];
  for (i64 c = 1; c < chunks; ++c) {
    const float* acc = partial + c * cols;
    for (i64 j = 0; j < cols; ++j) out[j] += acc[j];
  }
}

void sum_slices(const float* parts, i64 slices, i64 size, float* out) {
  const int threads = threads_for(size * slices);
  constexpr i64 kBlock = 4096;
  parallel_range(0, ceil_div(size, kBlock), threads, [&](i64 lo, i64 hi) {
    const i64 i0 = lo * kBlock, i1 = std::min(size, hi * kBlock);
    for (i64 i = i0; i < i1; ++i) out[i] = parts[i];
    for (i64 s = 1; s < slices; ++s) {
      const float* part = parts + s * size;
      for (i64 i = i0; i < i1; ++i) out[i] += part[i];
    }
  });
}

void sum_slices_transposed(float* parts, i64 slices, i64 rows, i64 cols, float* out) {
  const i64 size = rows * cols;
  const int threads = threads_for(size * slices);
  parallel_range(0, rows, threads, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; ++i) {
      float* acc = parts + i * cols;
      for (i64 s = 1; s < slices; ++s) {
        const float* part = parts + s * size + i * cols;
        for (i64 j = 0; j < cols; ++j) acc[j] += part[j];
      }
    }
  });
  parallel_range(0, cols, threads, [&](i64 lo, i64 hi) {
    for (i64 j = lo; j < hi; ++j) {
      float* dst = out + j * rows;
      for (i64 i = 0; i < rows; ++i) dst[i] = parts[i * cols + j];
    }
  });
}

}  // namespace ember
