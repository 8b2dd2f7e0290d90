// Fused recurrent layers over whole sequences: LSTM, GRU and SimpleRNN, forward and
// backward-through-time, with Keras 3 semantics and weight layouts.
//
//   x (batch, time, input), kernel W (input, G*units), recurrent kernel U (units, G*units),
//   G = 4 gates for LSTM (i, f, c, o), 3 for GRU (z, r, h), 1 for SimpleRNN.
//
// Forward: one GEMM projects every time step (x @ W + bias); then each step runs one recurrent
// product h_{t-1} @ U with the gate math fused right after it, all steps inside one parallel
// region where each thread owns a range of hidden units (all gates of them) and the threads
// meet once per step. Backward: per step the gate gradients are fused and the state gradient
// goes back through U^T the same way; dW = x^T dG, dU = h_prev^T dG and dx = dG W^T are
// whole-sequence GEMMs after the loop and the bias gradient is a fixed-order column sum, so
// nothing depends on the thread count.
//
// Masking follows keras.layers.RNN (TensorFlow backend): at a masked step (mask == 0) the
// states are carried unchanged, and the output repeats the previous step's output (zeros before
// the row's first valid step). go_backwards processes x from the last step to the first and
// returns h_seq in processing order. The recurrent mask (Keras' recurrent dropout) multiplies
// h_{t-1} where it enters the recurrent product only. h_last / c_last are the final states
// (h_seq[:, -1] is Keras' last output; they differ only for rows whose every step is masked).
//
// State saved by a training forward, step-major in processing order (row s * B + b belongs to
// step s of batch row b, so each step's rows are one contiguous block), shared by the optimized
// and the reference kernels:
//   LSTM  gates (T, B, 4H): i, f, c~, o after their activations; cells (T, B, H): c after the
//         step.
//   GRU   gates (T, B, 3H): z, r, hh after their activations; reset_after=True also inner
//         (T, B, H): h_rec_{t-1} @ U_h + b_rh, the term r multiplies.
//   SimpleRNN saves nothing: the output is the state.
// At masked steps the gates, cells and inner rows hold 0, c and 0.
#pragma once

#include <cstdint>

#include "gemm/isa_table.h"

namespace ember {

struct RnnShape {
  i64 batch = 0;
  i64 time = 0;
  i64 input = 0;
  i64 units = 0;
};

struct RnnOptions {
  RnnAct act = RnnAct::tanh;
  RnnAct ract = RnnAct::sigmoid;  // the gates' activation (LSTM, GRU)
  bool go_backwards = false;
  bool reset_after = true;  // GRU
};

// Inputs shared by the forward and the backward. Optional pointers may be null.
struct RnnInputs {
  const float* x = nullptr;            // (B, T, I)
  const float* kernel = nullptr;       // (I, G*H)
  const float* recurrent = nullptr;    // (H, G*H)
  const float* bias = nullptr;         // (G*H,); GRU reset_after: (2, 3H); null: no bias
  const float* h0 = nullptr;           // (B, H); null: zeros
  const float* c0 = nullptr;           // LSTM (B, H); null: zeros
  const std::uint8_t* mask = nullptr;  // (B, T), 1 = valid step; null: all valid
  const float* rmask = nullptr;        // (B, H) recurrent mask; null: none
};

struct RnnForwardOut {
  float* h_seq = nullptr;   // (B, T, H), in processing order
  float* h_last = nullptr;  // (B, H)
  float* c_last = nullptr;  // LSTM (B, H)
  float* gates = nullptr;   // state (see above); null: inference, nothing saved
  float* cells = nullptr;   // LSTM cells / GRU reset_after inner; null with gates
};

struct RnnBackwardIn {
  const float* dh_seq = nullptr;   // (B, T, H) or null
  const float* dh_last = nullptr;  // (B, H) or null
  const float* dc_last = nullptr;  // LSTM (B, H) or null
  const float* h_seq = nullptr;    // the forward's output
  const float* gates = nullptr;    // the forward's state
  const float* cells = nullptr;
};

struct RnnGrads {
  float* dx = nullptr;          // (B, T, I)
  float* dh0 = nullptr;         // (B, H)
  float* dc0 = nullptr;         // LSTM (B, H)
  float* dkernel = nullptr;     // (I, G*H)
  float* drecurrent = nullptr;  // (H, G*H)
  float* dbias = nullptr;       // shaped like the bias; null when there is none
};

void lstm_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnForwardOut& out);
void lstm_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                   const RnnBackwardIn& saved, const RnnGrads& grads);
void gru_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                 const RnnForwardOut& out);
void gru_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnBackwardIn& saved, const RnnGrads& grads);
void simple_rnn_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                        const RnnForwardOut& out);
void simple_rnn_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                         const RnnBackwardIn& saved, const RnnGrads& grads);

}  // namespace ember
