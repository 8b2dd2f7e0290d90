// Reference column sums in double.
#include "ref/ref.h"

namespace ember::ref {

void column_sums(const float* x, i64 rows, i64 cols, float* out) {
  for (i64 j = 0; j < cols; ++j) {
    double acc = 0.0;
    for (i64 r = 0; r < rows; ++r) acc += x[r * cols + j];
    out[j] = static_cast<float>(acc);
  }
}

}  // namespace ember::ref
