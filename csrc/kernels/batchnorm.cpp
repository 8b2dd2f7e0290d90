#include "kernels/batchnorm.h"

#include <algorithm>
#include <cmath>

#include "common/parallel.h"
#include "common/workspace.h"
#include "kernels/reduce.h"

namespace ember {
namespace {

// Row chunks for the per-channel sums: about 64k elements each, at most 16, from the shape alone.
struct RowChunks {
  i64 count;
  i64 rows;  // rows per chunk (the last may be shorter)
};

RowChunks row_chunks(const BatchNormShape& s) {
  const i64 per = ceil_div(s.rows, fixed_chunks(s.rows, std::max<i64>(1, 65536 / s.channels)));
  return {ceil_div(s.rows, per), per};
}

// Double scratch from the calling thread's workspace (64-byte aligned, so fit for doubles).
double* scratch_doubles(i64 n) {
  return reinterpret_cast<double*>(thread_workspace(WorkspaceSlot::kernel2, 2 * n));
}

// sums[k * channels + j] for k < K: the sum over all rows of the K per-element terms that
// add_rows(row_begin, row_end, acc) accumulates into acc[k * channels + j]. Chunks run in
// parallel into their own partials; the partials are then added in chunk order.
template <int K, typename AddRows>
void channel_sums(const BatchNormShape& s, double* partial, double* sums, AddRows add_rows) {
  const RowChunks ch = row_chunks(s);
  const i64 width = K * s.channels;
  const int threads =
      static_cast<int>(std::min<i64>(threads_for(s.rows * s.channels * 2 * K), ch.count));
  parallel_range(0, ch.count, threads, [&](i64 lo, i64 hi) {
    for (i64 c = lo; c < hi; ++c) {
      double* acc = partial + c * width;
      std::fill(acc, acc + width, 0.0);
      add_rows(c * ch.rows, std::min(s.rows, (c + 1) * ch.rows), acc);
    }
  });
  std::copy(partial, partial + width, sums);
  for (i64 c = 1; c < ch.count; ++c) {
    const double* acc = partial + c * width;
    for (i64 j = 0; j < width; ++j) sums[j] += acc[j];
  }
}

// y = (x - center) * scale + shift per channel, rows in parallel. Centering first (in double)
// keeps y accurate when the mean is large against the spread: the folded x * scale + (shift -
// center * scale) loses the difference of two large products to rounding.
void normalize_rows(const BatchNormShape& s, const float* x, const double* center,
                    const double* scale, const double* shift, float* y) {
  const i64 c = s.channels;
  const int threads = static_cast<int>(std::min<i64>(threads_for(s.rows * c * 2), s.rows));
  parallel_range(0, s.rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* xr = x + r * c;
      float* yr = y + r * c;
      for (i64 j = 0; j < c; ++j) {
        yr[j] = static_cast<float>((static_cast<double>(xr[j]) - center[j]) * scale[j] + shift[j]);
      }
    }
  });
}

// scale = gamma * invstd and shift = beta per channel (1 and 0 where absent).
void affine_coefficients(i64 channels, const double* invstd, const float* gamma, const float* beta,
                         double* scale, double* shift) {
  for (i64 j = 0; j < channels; ++j) {
    scale[j] = invstd[j] * (gamma != nullptr ? gamma[j] : 1.0f);
    shift[j] = beta != nullptr ? beta[j] : 0.0f;
  }
}

// The (dy, x - center) sums both backward passes need: sums[j] = sum(dy), sums[C + j] =
// sum(dy * (x - center)).
void gradient_sums(const BatchNormShape& s, const float* dy, const float* x, const double* center,
                   double* partial, double* sums) {
  const i64 c = s.channels;
  channel_sums<2>(s, partial, sums, [&](i64 r0, i64 r1, double* acc) {
    for (i64 r = r0; r < r1; ++r) {
      const float* dyr = dy + r * c;
      const float* xr = x + r * c;
      for (i64 j = 0; j < c; ++j) {
        const double g = dyr[j];
        acc[j] += g;
        acc[c + j] += g * (static_cast<double>(xr[j]) - center[j]);
      }
    }
  });
}

}  // namespace

void batchnorm_train_forward(const BatchNormShape& s, const float* x, const float* gamma,
                             const float* beta, float epsilon, float* y, float* mean, float* var,
                             float* invstd) {
  const i64 c = s.channels;
  const RowChunks ch = row_chunks(s);
  // Layout: partials (chunks x C), then mean, variance / invstd, scale and shift (C each).
  double* partial = scratch_doubles(ch.count * c + 4 * c);
  double* m = partial + ch.count * c;
  double* inv = m + c;
  double* scale = inv + c;
  double* shift = scale + c;

  channel_sums<1>(s, partial, m, [&](i64 r0, i64 r1, double* acc) {
    for (i64 r = r0; r < r1; ++r) {
      const float* xr = x + r * c;
      for (i64 j = 0; j < c; ++j) acc[j] += xr[j];
    }
  });
  const double n = static_cast<double>(s.rows);
  for (i64 j = 0; j < c; ++j) m[j] /= n;
  // Two passes: the sum of squared deviations avoids the cancellation of E[x^2] - E[x]^2.
  channel_sums<1>(s, partial, inv, [&](i64 r0, i64 r1, double* acc) {
    for (i64 r = r0; r < r1; ++r) {
      const float* xr = x + r * c;
      for (i64 j = 0; j < c; ++j) {
        const double d = static_cast<double>(xr[j]) - m[j];
        acc[j] += d * d;
      }
    }
  });
  for (i64 j = 0; j < c; ++j) {
    const double v = inv[j] / n;
    mean[j] = static_cast<float>(m[j]);
    var[j] = static_cast<float>(v);
    inv[j] = 1.0 / std::sqrt(v + static_cast<double>(epsilon));
    invstd[j] = static_cast<float>(inv[j]);
  }
  affine_coefficients(c, inv, gamma, beta, scale, shift);
  normalize_rows(s, x, m, scale, shift, y);
}

void batchnorm_train_backward(const BatchNormShape& s, const float* dy, const float* x,
                              const float* gamma, const float* mean, const float* invstd, float* dx,
                              float* dgamma, float* dbeta) {
  const i64 c = s.channels;
  const RowChunks ch = row_chunks(s);
  // Layout: partials (chunks x 2C), the sums (2C), the mean in double (C), then three float
  // coefficient arrays (room for 2C doubles).
  double* partial = scratch_doubles(2 * ch.count * c + 5 * c);
  double* sums = partial + 2 * ch.count * c;
  double* center = sums + 2 * c;
  for (i64 j = 0; j < c; ++j) center[j] = mean[j];
  gradient_sums(s, dy, x, center, partial, sums);

  // dx = a * (dy - b - (x - mean) * k) with a = gamma * invstd, b = dbeta / rows,
  // k = invstd * dgamma / rows; the coefficients go to float once per channel.
  float* a = reinterpret_cast<float*>(center + c);
  float* b = a + c;
  float* k = b + c;
  const double n = static_cast<double>(s.rows);
  for (i64 j = 0; j < c; ++j) {
    const double inv = invstd[j];
    const double db = sums[j];
    const double dg = sums[c + j] * inv;
    dgamma[j] = static_cast<float>(dg);
    dbeta[j] = static_cast<float>(db);
    a[j] = static_cast<float>(inv * (gamma != nullptr ? gamma[j] : 1.0f));
    b[j] = static_cast<float>(db / n);
    k[j] = static_cast<float>(inv * dg / n);
  }
  const int threads = static_cast<int>(std::min<i64>(threads_for(s.rows * c * 4), s.rows));
  parallel_range(0, s.rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* dyr = dy + r * c;
      const float* xr = x + r * c;
      float* dxr = dx + r * c;
      for (i64 j = 0; j < c; ++j) dxr[j] = a[j] * (dyr[j] - b[j] - (xr[j] - mean[j]) * k[j]);
    }
  });
}

void batchnorm_inference_forward(const BatchNormShape& s, const float* x, const float* gamma,
                                 const float* beta, const float* moving_mean,
                                 const float* moving_var, float epsilon, float* y) {
  const i64 c = s.channels;
  double* m = scratch_doubles(4 * c);
  double* inv = m + c;
  double* scale = inv + c;
  double* shift = scale + c;
  for (i64 j = 0; j < c; ++j) {
    m[j] = moving_mean[j];
    inv[j] = 1.0 / std::sqrt(static_cast<double>(moving_var[j]) + epsilon);
  }
  affine_coefficients(c, inv, gamma, beta, scale, shift);
  normalize_rows(s, x, m, scale, shift, y);
}

void batchnorm_inference_backward(const BatchNormShape& s, const float* dy, const float* x,
                                  const float* gamma, const float* moving_mean,
                                  const float* moving_var, float epsilon, float* dx, float* dgamma,
                                  float* dbeta) {
  const i64 c = s.channels;
  const RowChunks ch = row_chunks(s);
  double* partial = scratch_doubles(2 * ch.count * c + 4 * c);
  double* sums = partial + 2 * ch.count * c;
  double* center = sums + 2 * c;
  float* a = reinterpret_cast<float*>(center + c);
  for (i64 j = 0; j < c; ++j) center[j] = moving_mean[j];
  gradient_sums(s, dy, x, center, partial, sums);
  for (i64 j = 0; j < c; ++j) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(moving_var[j]) + epsilon);
    a[j] = static_cast<float>(inv * (gamma != nullptr ? gamma[j] : 1.0f));
    dgamma[j] = static_cast<float>(sums[c + j] * inv);
    dbeta[j] = static_cast<float>(sums[j]);
  }
  const int threads = static_cast<int>(std::min<i64>(threads_for(s.rows * c), s.rows));
  parallel_range(0, s.rows, threads, [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; ++r) {
      const float* dyr = dy + r * c;
      float* dxr = dx + r * c;
      for (i64 j = 0; j < c; ++j) dxr[j] = dyr[j] * a[j];
    }
  });
}

}  // namespace ember
