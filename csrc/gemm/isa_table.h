// The table of per-ISA kernels. Each ISA family (generic C++, AVX2+FMA, AVX-512) compiles the
// same micro-kernel and vector-math sources with its own flags into one of these tables.
//
// The per-ISA translation units include this header, so it includes nothing but <cstdint> and
// defines no inline functions: an inline function emitted from an AVX-512 unit could be picked by
// the linker for every caller and fault on a CPU without AVX-512.
#pragma once

#include <cstdint>

namespace ember {

using i64 = std::int64_t;

enum class Activation : int { linear = 0, relu = 1, tanh = 2, sigmoid = 3 };

// The elementwise activations of kernels/activation.h (Keras 3 formulas, listed there).
enum class ActFn : int {
  linear,
  relu,
  relu6,
  leaky_relu,  // alpha: the negative slope
  sigmoid,
  tanh,
  elu,  // alpha: the negative saturation
  selu,
  softplus,
  softsign,
  swish,
  gelu,       // exact erf form
  gelu_tanh,  // tanh approximation
  hard_sigmoid,
  exponential,
};

// Where an activation backward reads its saved tensor from.
enum class ActSource : int { none, x, y };

// A row's softmax normaliser: log(sum(exp(x))) = max + log_sum, kept apart so a loss can form
// (max - x_j) + log_sum without the rounding of the sum.
struct RowLogSumExp {
  float max;
  float log_sum;  // log(sum(exp(x - max))), >= 0
};

// One register tile of C = alpha * A * B + beta * C (+ bias, relu).
struct MicroKernelArgs {
  i64 kc;          // depth of this k-block
  const float* a;  // A: mr rows of kc floats at a + r * lda (row kernels), or kc groups of
  i64 lda;         //    mr floats at a + k * lda (k-major kernels)
  const float* b;  // packed panel: kc rows of nr floats, 64-byte aligned
  float* c;        // mr x nr tile, row stride ldc
  i64 ldc;
  float alpha;
  float beta;         // 0 means C is not read (it may hold NaN)
  const float* bias;  // n_valid values added to every row, or null
  bool relu;          // clamp negatives to 0 after the bias (NaN passes through)
  int m_valid;        // rows of the tile to store (the rest of A is padding)
  int n_valid;        // columns of the tile to store and of C/bias to read
};

using MicroKernel = void (*)(const MicroKernelArgs& args);

// The activations of the recurrent layers, with Keras 3 formulas: tanh, sigmoid,
// hard_sigmoid = relu6(x + 3) / 6, relu = max(x, 0), linear.
enum class RnnAct : int { tanh, sigmoid, hard_sigmoid, relu, linear };

// One batch row of one time step of a recurrent cell, over n hidden units (the calling thread's
// share): the per-ISA gate math of kernels/lstm.cpp, gru.cpp and simple_rnn.cpp. Gate g of a row
// lives at ptr + g * stride. Fields a cell does not use are ignored; optional ones may be null.
struct RnnForwardRow {
  i64 n;
  RnnAct act;        // the cell / candidate activation
  RnnAct ract;       // the gates' activation
  const float* rec;  // the recurrent product for this row, gate g at rec + g * rec_stride
  i64 rec_stride;
  float* gates;  // in: x @ W + bias; out: the gate activations
  i64 gate_stride;
  const float* rec_bias;    // GRU reset_after: the candidate's recurrent bias (null: none)
  float* inner;             // GRU reset_after: saves rec_h + rec_bias for the backward (optional)
  const float* h_prev;      // the previous state
  const float* h_rec_prev;  // GRU reset_after=False: the previous state times the recurrent mask
  float* rh;                // GRU reset_after=False: out r * h_rec_prev
  const float* c_prev;      // LSTM: the previous cell state
  float* c;                 // LSTM: the new cell state (may alias c_prev)
  float* h;                 // the new state
  float* h_rec;             // the new state times rmask (null when there is no recurrent mask)
  const float* rmask;
  float* y;  // the step's output row
};

// The backward of one valid step of one batch row. The gradient reaching the new state is
// dh = carry + prod * rmask (prod: the next step's recurrent-product gradient, null when none
// reaches this row) + dy (the output gradient, null when none); the row function then leaves in
// carry the part of dh_prev that does not flow through the recurrent product.
struct RnnBackwardRow {
  i64 n;
  RnnAct act;
  RnnAct ract;
  const float* gates;  // the forward's gate activations
  i64 gate_stride;
  const float* inner;   // GRU reset_after: rec_h + rec_bias from the forward
  const float* h_prev;  // GRU: the previous state
  const float* c_prev;  // LSTM: the previous cell state
  const float* c;       // LSTM: this step's cell state
  const float* y;       // SimpleRNN: this step's new state
  float* carry;
  const float* prod;
  const float* rmask;
  const float* dy;
  float* dc;      // LSTM: in the gradient of c, out that of c_prev
  float* dgates;  // out: the pre-activation gradients that feed the recurrent product
  i64 dgate_stride;
  float* dcand;  // GRU: out the candidate's pre-activation gradient (input side)
};

using RnnRowFn = void (*)(const RnnForwardRow& row);
using RnnBackwardRowFn = void (*)(const RnnBackwardRow& row);

// The gate math of every recurrent cell for one ISA, and the few-row product of small batches.
struct RnnRowKernels {
  RnnRowFn lstm;
  RnnRowFn gru;            // reset_after=True
  RnnRowFn gru_gates;      // reset_after=False, before the candidate's product: z, r, r * h
  RnnRowFn gru_candidate;  // reset_after=False, after it: the candidate and the new state
  RnnRowFn simple_rnn;
  RnnBackwardRowFn lstm_backward;
  RnnBackwardRowFn gru_backward;            // reset_after=True
  RnnBackwardRowFn gru_backward_candidate;  // reset_after=False, before the candidate's product
  RnnBackwardRowFn gru_backward_reset;      // reset_after=False, after it (prod: d(r * h))
  RnnBackwardRowFn simple_rnn_backward;
  // C (m x n) = A (m x k) @ B (k x n), all row-major, for the recurrent products of batches too
  // small for the GEMM's micro-tile (which would mostly multiply padding rows).
  void (*small_product)(i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb,
                        float* c, i64 ldc);
};

// A micro-tile shape with its cache blocking and its two A layouts.
struct GemmKernel {
  int mr;                // micro-tile rows
  int nr;                // micro-tile columns (a multiple of the vector width)
  i64 kc;                // k-block depth: a packed B panel of kc x nr stays in L1
  i64 mc;                // rows of A per block: mc x kc stays in L2
  i64 nc;                // columns of B per block: kc x nc stays in L3
  MicroKernel a_rows;    // A handed over as plain rows
  MicroKernel a_kmajor;  // A handed over k-major (a transposed matrix, read in place)
  // a_rows for the last, partial row panel of A: short_rows[r - 1] multiplies r < mr rows, so
  // those rows cost their own multiply-adds rather than a whole tile's of padding.
  const MicroKernel* short_rows;
  // The same rows over short_panels[r - 1] adjacent panels per call (n_valid spans them all):
  // a partial row panel has too few accumulators per panel to keep the FMA pipes busy.
  const MicroKernel* short_rows_wide;
  const int* short_panels;
};

struct IsaKernels {
  const char* name;   // "generic", "avx2", "avx512"
  GemmKernel wide;    // the fast tile for most shapes
  GemmKernel narrow;  // one vector wide: for C with few columns (e.g. 6 output channels)
  // y[i] = act(x[i]) for i < n; x == y is allowed.
  void (*activate)(Activation act, const float* x, float* y, i64 n);
  // Runs `iterations` rounds of independent FMAs in registers; returns the flops done.
  double (*fma_probe)(i64 iterations);

  // Elementwise activations on n floats (x == y and dy == dx are allowed).
  void (*act_forward)(ActFn fn, float alpha, const float* x, float* y, i64 n);
  // dx = dy * f'(.) computed from s, which is x or y = f(x) as `source` says (ignored for none).
  void (*act_backward)(ActFn fn, float alpha, ActSource source, const float* dy, const float* s,
                       float* dx, i64 n);
  // One row of n >= 1 floats: softmax (or log-softmax when log) into y; returns its normaliser.
  RowLogSumExp (*softmax_row)(const float* x, float* y, i64 n, bool log);
  // One row: dx = y * (dy - sum(dy * y)), or for log-softmax dx = dy - exp(y) * sum(dy).
  void (*softmax_backward_row)(const float* dy, const float* y, float* dx, i64 n, bool log);
  // loss = max(x, 0) - x * t + log1p(exp(-|x|)), elementwise.
  void (*sigmoid_xent)(const float* x, const float* t, float* loss, i64 n);
  // dx = (sigmoid(x) - t) * dloss, elementwise.
  void (*sigmoid_xent_backward)(const float* x, const float* t, const float* dloss, float* dx,
                                i64 n);
  RnnRowKernels rnn;
};

const IsaKernels& isa_generic();
const IsaKernels& isa_avx2();
const IsaKernels& isa_avx512();
const IsaKernels& isa_avx512_emulated();  // tests only: avx512 shapes on AVX2

}  // namespace ember
