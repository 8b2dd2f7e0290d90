// Deterministic reductions used by the backward kernels. Work is split into a number of chunks
// that depends only on the problem size; partial results are combined in chunk order, so the
// answer is the same for any thread count.
#pragma once

#include "common/types.h"

namespace ember {

// Chunks used to reduce over `rows` rows (between 1 and 16).
i64 fixed_chunks(i64 rows, i64 rows_per_chunk);

// out[j] = sum over r of x[r * cols + j].
void column_sums(const float* x, i64 rows, i64 cols, float* out);

// out[i] = sum over s < slices of parts[s * size + i], slices added in order.
void sum_slices(const float* parts, i64 slices, i64 size, float* out);

// out[j * rows + i] = sum over s < slices of parts[(s * rows + i) * cols + j].
// Overwrites parts[0 .. rows*cols) with the untransposed sum.
void sum_slices_transposed(float* parts, i64 slices, i64 rows, i64 cols, float* out);

}  // namespace ember
