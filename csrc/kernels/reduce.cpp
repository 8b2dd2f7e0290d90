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
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 c = 0; c < chunks; ++c) {
    float* acc = partial + c * cols;
    std::fill(acc, acc + cols, 0.0f);
    const i64 end = std::min(rows, (c + 1) * chunk_rows);
    for (i64 r = c * chunk_rows; r < end; ++r) {
      const float* row = x + r * cols;
      for (i64 j = 0; j < cols; ++j) acc[j] += row[j];
    }
  }
  for (i64 j = 0; j < cols; ++j) out[j] = partial[j];
  for (i64 c = 1; c < chunks; ++c) {
    const float* acc = partial + c * cols;
    for (i64 j = 0; j < cols; ++j) out[j] += acc[j];
  }
}

void sum_slices(const float* parts, i64 slices, i64 size, float* out) {
  const int threads = threads_for(size * slices);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (i64 i0 = 0; i0 < size; i0 += 4096) {
    const i64 i1 = std::min(size, i0 + 4096);
    for (i64 i = i0; i < i1; ++i) out[i] = parts[i];
    for (i64 s = 1; s < slices; ++s) {
      const float* part = parts + s * size;
      for (i64 i = i0; i < i1; ++i) out[i] += part[i];
    }
  }
}

void sum_slices_transposed(float* parts, i64 slices, i64 rows, i64 cols, float* out) {
  const i64 size = rows * cols;
  const int threads = threads_for(size * slices);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
#pragma omp for schedule(static)
    for (i64 i = 0; i < rows; ++i) {
      float* acc = parts + i * cols;
      for (i64 s = 1; s < slices; ++s) {
        const float* part = parts + s * size + i * cols;
        for (i64 j = 0; j < cols; ++j) acc[j] += part[j];
      }
    }
#pragma omp for schedule(static)
    for (i64 j = 0; j < cols; ++j) {
      float* dst = out + j * rows;
      for (i64 i = 0; i < rows; ++i) dst[i] = parts[i * cols + j];
    }
  }
}

}  // namespace ember
