// ember's matrix multiply: C = alpha * A * B + beta * C, then bias and activation.
//
// BLIS-style blocking (nc columns of B, kc-deep k-blocks, mc rows of A) around a register-tiled
// micro-kernel chosen per ISA at run time. Operands come through small source interfaces, so
// convolution feeds im2col rows or columns straight from an NHWC image without building a whole
// im2col matrix. Each element of C is summed in the same k order whatever the thread count, so
// results do not depend on it.
#pragma once

#include "common/types.h"
#include "gemm/isa_table.h"

namespace ember::gemm {

// One block of A as the micro-kernels read it: element (r, k) of the block lives at
// data[r * ld + k] (plain rows) or, when k_major, at data[k * ld + r] (a transposed matrix read
// in place).
struct ABlock {
  const float* data = nullptr;
  i64 ld = 0;
  bool k_major = false;
};

// Supplies A (M x K) one block at a time.
class ASource {
 public:
  virtual ~ASource() = default;
  // Rows m0..m0+mc, columns k0..k0+kc: either a view into the source, or rows written to buf
  // (row r at buf + r * kc; buf holds mc * kc floats) and returned as {buf, kc, false}.
  virtual ABlock rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf) const = 0;
};

// Supplies B (K x N) packed into panels of nr columns.
class BSource {
 public:
  virtual ~BSource() = default;
  // Rows k0..k0+kc, columns n0..n0+nc, as ceil(nc / nr) panels: panel p at dst + p * kc * nr
  // holds dst[k * nr + j] = B[k0 + k][n0 + p * nr + j], and 0 where that column is >= n0 + nc.
  virtual void pack(i64 k0, i64 kc, i64 n0, i64 nc, int nr, float* dst) const = 0;
};

// Where C lives: row m at data + m * ld, or at data + row_offsets[m] when row_offsets is set
// (used to scatter the rows of one stride phase of a transposed convolution; needs beta == 0).
struct Output {
  float* data = nullptr;
  i64 ld = 0;
  const i64* row_offsets = nullptr;
};

// Applied once, after the last k-block, while the tile is in registers (bias, relu) or in cache
// (tanh, sigmoid).
struct Epilogue {
  const float* bias = nullptr;  // one value per column of C
  Activation act = Activation::linear;
};

struct Options {
  float alpha = 1.0f;
  float beta = 0.0f;  // 0: C is write-only (it may hold NaN)
  bool parallel = true;
};

void gemm(i64 m, i64 n, i64 k, const ASource& a, const BSource& b, const Output& c,
          const Epilogue& epilogue = {}, const Options& options = {});

// A dense row-major matrix as the A operand; transposed means the array holds A^T (K x M).
// Either way the micro-kernels read it in place.
class MatrixA final : public ASource {
 public:
  MatrixA(const float* data, i64 ld, bool transposed) : data_(data), ld_(ld), trans_(transposed) {}
  ABlock rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf) const override;

 private:
  const float* data_;
  i64 ld_;
  bool trans_;
};

// A dense row-major matrix as the B operand; transposed means the array holds B^T (N x K).
class MatrixB final : public BSource {
 public:
  MatrixB(const float* data, i64 ld, bool transposed) : data_(data), ld_(ld), trans_(transposed) {}
  void pack(i64 k0, i64 kc, i64 n0, i64 nc, int nr, float* dst) const override;

 private:
  const float* data_;
  i64 ld_;
  bool trans_;
};

// Fraction of the micro-tiles' work that is useful for an m x n product (the rest computes
// padding): lets callers pick the better of two orientations of the same product.
double tile_efficiency(i64 m, i64 n);

// B packed once, in the engine's own layout, for products that reuse it many times (an RNN's
// recurrent kernel at every time step). All of N is one column block.
class PackedB {
 public:
  PackedB() = default;
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  ~PackedB();
  // Packs B (k x n) with the active ISA's micro-tile for n.
  void pack(const BSource& b, i64 k, i64 n);
  i64 k() const { return k_; }
  i64 n() const { return n_; }
  // Column ranges handed to gemm_packed_columns must start on a multiple of this.
  int panel_width() const;
  // Rows of the micro-tile that multiplies this B: a product of fewer rows still computes this
  // many, so callers with a few leftover rows may prefer another way for them.
  int tile_rows() const;

 private:
  friend void gemm_packed_columns(i64, i64, i64, const ASource&, const PackedB&, const Output&,
                                  const Epilogue&, float, float);
  const GemmKernel* kern_ = nullptr;
  float* data_ = nullptr;
  i64 k_ = 0, n_ = 0, kc_ = 0, kblocks_ = 0, block_floats_ = 0;
};

// C[:, n0:n1] = alpha * A @ B[:, n0:n1] + beta * C[:, n0:n1] (+ epilogue), computed by the
// calling thread alone: each thread of an enclosing parallel region can own one column range.
// n0 must be a multiple of b.panel_width(); the epilogue's bias is indexed by absolute column.
void gemm_packed_columns(i64 m, i64 n0, i64 n1, const ASource& a, const PackedB& b, const Output& c,
                         const Epilogue& epilogue = {}, float alpha = 1.0f, float beta = 0.0f);

// BLAS-style entry point on dense row-major matrices.
void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const Epilogue& epilogue = {},
          bool parallel = true);

}  // namespace ember::gemm
