// LSTM, GRU (reset_after=True) and SimpleRNN over whole sequences (csrc/kernels/rnn.h contracts,
// csrc/ref/rnn_ref.cpp equations):
//
//   forward   one cuBLAS GEMM projects every time step (x @ W + input bias); then per step one
//             GEMM h_rec @ U and one fused kernel for the gate math (a thread per (row, unit)).
//   backward  per step, in reverse, one fused kernel turns the state gradient into the gate
//             gradients (stored for the whole sequence) and one GEMM sends them back through
//             U^T; afterwards dx, dW and dU are whole-sequence GEMMs and db a column sum.
//
// Gate gradients are stored batch-major at the input's time index (row b * T + t), so x and the
// gradients line up for the weight GEMMs; the saved forward state stays step-major as on the CPU.
// Masks are not supported here (the bindings reject them); the recurrent mask is.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

enum class Cell : int { lstm, gru, simple };

__host__ __device__ inline int gates_of(Cell c) {
  return c == Cell::lstm ? 4 : c == Cell::gru ? 3 : 1;
}

struct StepArgs {
  i64 B, T, H, s, t;
  RnnAct act, ract;
  const float* xproj;     // (B * T, GH): x @ W + input bias, row b * T + t
  const float* rec;       // (B, GH): h_rec @ U for this step
  const float* rec_bias;  // GRU: the recurrent bias row (3H) or null
  const float* rmask;     // (B, H) or null
  float* h;               // (B, H) state, updated in place
  float* c;               // LSTM (B, H) cell, updated in place
  float* h_rec;           // (B, H) h * rmask for the next product, or null (then h is used)
  float* h_seq;           // (B, T, H) output, processing order
  float* gates;           // (T, B, GH) saved, or null (inference)
  float* cells;           // (T, B, H) LSTM cells / GRU inner, or null
};

__global__ void forward_step_kernel(Cell cell, StepArgs a) {
  const i64 H = a.H, GH = gates_of(cell) * H;
  EMBER_GRID_STRIDE(idx, a.B * H) {
    const i64 b = idx / H, j = idx - b * H;
    const float* zx = a.xproj + (b * a.T + a.t) * GH;
    const float* zr = a.rec + b * GH;
    float h_new = 0.0f;
    float* saved = a.gates != nullptr ? a.gates + (a.s * a.B + b) * GH : nullptr;
    float* cells = a.cells != nullptr ? a.cells + (a.s * a.B + b) * H : nullptr;
    if (cell == Cell::lstm) {
      const float i = rnn_act(a.ract, zx[j] + zr[j]);
      const float f = rnn_act(a.ract, zx[H + j] + zr[H + j]);
      const float g = rnn_act(a.act, zx[2 * H + j] + zr[2 * H + j]);
      const float o = rnn_act(a.ract, zx[3 * H + j] + zr[3 * H + j]);
      const float c_new = f * a.c[idx] + i * g;
      h_new = o * rnn_act(a.act, c_new);
      a.c[idx] = c_new;
      if (saved != nullptr) {
        saved[j] = i;
        saved[H + j] = f;
        saved[2 * H + j] = g;
        saved[3 * H + j] = o;
        cells[j] = c_new;
      }
    } else if (cell == Cell::gru) {
      const float* rb = a.rec_bias;
      const float z = rnn_act(a.ract, zx[j] + zr[j] + (rb ? rb[j] : 0.0f));
      const float r = rnn_act(a.ract, zx[H + j] + zr[H + j] + (rb ? rb[H + j] : 0.0f));
      const float inner = zr[2 * H + j] + (rb ? rb[2 * H + j] : 0.0f);
      const float hh = rnn_act(a.act, zx[2 * H + j] + r * inner);
      h_new = z * a.h[idx] + (1.0f - z) * hh;
      if (saved != nullptr) {
        saved[j] = z;
        saved[H + j] = r;
        saved[2 * H + j] = hh;
        cells[j] = inner;
      }
    } else {
      h_new = rnn_act(a.act, zx[j] + zr[j]);
    }
    a.h[idx] = h_new;
    if (a.h_rec != nullptr) a.h_rec[idx] = h_new * a.rmask[idx];
    a.h_seq[(b * a.T + a.s) * H + j] = h_new;
  }
}

__global__ void init_state_kernel(const float* h0, const float* c0, const float* rmask, i64 n,
                                  float* h, float* c, float* h_rec) {
  EMBER_GRID_STRIDE(i, n) {
    const float hv = h0 != nullptr ? h0[i] : 0.0f;
    h[i] = hv;
    if (c != nullptr) c[i] = c0 != nullptr ? c0[i] : 0.0f;
    if (h_rec != nullptr) h_rec[i] = hv * rmask[i];
  }
}

struct BackArgs {
  i64 B, T, H, s, t;
  RnnAct act, ract;
  bool first;            // s == T - 1: the carried gradient starts from dh_last
  const float* dh_last;  // (B, H) or null
  const float* dh_seq;   // (B, T, H) or null
  const float* dhp;      // (B, H): the last step's gradient through U^T
  const float* rmask;    // (B, H) or null
  const float* h0;       // (B, H) or null
  const float* c0;       // LSTM (B, H) or null
  const float* h_seq;    // (B, T, H) forward output
  const float* gates;    // (T, B, GH)
  const float* cells;    // (T, B, H)
  float* direct;         // (B, H): the part of dh_prev that skips U (GRU: dh * z)
  float* dc;             // LSTM (B, H), carried in place
  float* dg;             // (B * T, GH) input-side gate gradients, row b * T + t
  float* drec;           // GRU (B * T, GH) recurrent-side gradients (else dg is used)
  float* hp;             // (B * T, H) h_rec_prev, for dU
};

__device__ inline float carried(const BackArgs& a, i64 idx) {
  if (a.first) return a.dh_last != nullptr ? a.dh_last[idx] : 0.0f;
  const float m = a.rmask != nullptr ? a.rmask[idx] : 1.0f;
  return a.direct[idx] + a.dhp[idx] * m;
}

__global__ void backward_step_kernel(Cell cell, BackArgs a) {
  const i64 H = a.H, GH = gates_of(cell) * H;
  EMBER_GRID_STRIDE(idx, a.B * H) {
    const i64 b = idx / H, j = idx - b * H;
    float dh = carried(a, idx);
    if (a.dh_seq != nullptr) dh += a.dh_seq[(b * a.T + a.s) * H + j];
    const float hprev =
        a.s > 0 ? a.h_seq[(b * a.T + a.s - 1) * H + j] : (a.h0 != nullptr ? a.h0[idx] : 0.0f);
    const float m = a.rmask != nullptr ? a.rmask[idx] : 1.0f;
    a.hp[(b * a.T + a.t) * H + j] = hprev * m;
    float* dg = a.dg + (b * a.T + a.t) * GH;
    const float* g = a.gates != nullptr ? a.gates + (a.s * a.B + b) * GH : nullptr;
    float direct = 0.0f;
    if (cell == Cell::lstm) {
      const float i = g[j], f = g[H + j], cand = g[2 * H + j], og = g[3 * H + j];
      const float c = a.cells[(a.s * a.B + b) * H + j];
      const float c_prev =
          a.s > 0 ? a.cells[((a.s - 1) * a.B + b) * H + j] : (a.c0 != nullptr ? a.c0[idx] : 0.0f);
      const float ac = rnn_act(a.act, c);
      const float dct = a.dc[idx] + dh * og * rnn_dact(a.act, ac);
      dg[j] = dct * cand * rnn_dact(a.ract, i);
      dg[H + j] = dct * c_prev * rnn_dact(a.ract, f);
      dg[2 * H + j] = dct * i * rnn_dact(a.act, cand);
      dg[3 * H + j] = dh * ac * rnn_dact(a.ract, og);
      a.dc[idx] = dct * f;
    } else if (cell == Cell::gru) {
      const float z = g[j], r = g[H + j], hh = g[2 * H + j];
      const float inner = a.cells[(a.s * a.B + b) * H + j];
      const float da = dh * (1.0f - z) * rnn_dact(a.act, hh);
      float* dr = a.drec + (b * a.T + a.t) * GH;
      dg[j] = dr[j] = dh * (hprev - hh) * rnn_dact(a.ract, z);
      dg[H + j] = dr[H + j] = da * inner * rnn_dact(a.ract, r);
      dg[2 * H + j] = da;
      dr[2 * H + j] = da * r;
      direct = dh * z;
    } else {
      const float y = a.h_seq[(b * a.T + a.s) * H + j];
      dg[j] = dh * rnn_dact(a.act, y);
    }
    a.direct[idx] = direct;
  }
}

__global__ void finish_state_grad_kernel(const float* direct, const float* dhp, const float* rmask,
                                         i64 n, float* dh0) {
  EMBER_GRID_STRIDE(i, n) { dh0[i] = direct[i] + dhp[i] * (rmask != nullptr ? rmask[i] : 1.0f); }
}

void forward(Cell cell, const RnnShape& shape, const RnnOptions& o, const RnnInputs& in,
             const RnnForwardOut& out) {
  const i64 B = shape.batch, T = shape.time, I = shape.input, H = shape.units;
  const i64 GH = gates_of(cell) * H, BH = B * H;
  // Every time step's input projection at once; the GRU's recurrent bias row goes in per step.
  Scratch<float> xproj(B * T * GH), rec(B * GH), h(BH), c(cell == Cell::lstm ? BH : 0),
      h_rec(in.rmask != nullptr ? BH : 0);
  gemm(false, false, B * T, GH, I, 1.0f, in.x, I, in.kernel, GH, 0.0f, xproj.get(), GH, in.bias,
       Activation::linear);
  init_state_kernel<<<blocks_for(BH), kThreads>>>(in.h0, in.c0, in.rmask, BH, h.get(),
                                                  cell == Cell::lstm ? c.get() : nullptr,
                                                  in.rmask != nullptr ? h_rec.get() : nullptr);
  check_launch("rnn forward");
  const float* product_input = in.rmask != nullptr ? h_rec.get() : h.get();
  StepArgs a{};
  a.B = B;
  a.T = T;
  a.H = H;
  a.act = o.act;
  a.ract = o.ract;
  a.xproj = xproj.get();
  a.rec = rec.get();
  a.rec_bias = cell == Cell::gru && in.bias != nullptr ? in.bias + GH : nullptr;
  a.rmask = in.rmask;
  a.h = h.get();
  a.c = c.get();
  a.h_rec = in.rmask != nullptr ? h_rec.get() : nullptr;
  a.h_seq = out.h_seq;
  a.gates = cell == Cell::simple ? nullptr : out.gates;
  a.cells = cell == Cell::simple ? nullptr : out.cells;
  for (i64 s = 0; s < T; ++s) {
    a.s = s;
    a.t = o.go_backwards ? T - 1 - s : s;
    gemm(false, false, B, GH, H, 1.0f, product_input, H, in.recurrent, GH, 0.0f, rec.get(), GH,
         nullptr, Activation::linear);
    forward_step_kernel<<<blocks_for(BH), kThreads>>>(cell, a);
    check_launch("rnn forward step");
  }
  copy_on_device(out.h_last, h.get(), sizeof(float) * BH);
  if (cell == Cell::lstm) copy_on_device(out.c_last, c.get(), sizeof(float) * BH);
}

void backward(Cell cell, const RnnShape& shape, const RnnOptions& o, const RnnInputs& in,
              const RnnBackwardIn& saved, const RnnGrads& grads) {
  const i64 B = shape.batch, T = shape.time, I = shape.input, H = shape.units;
  const i64 GH = gates_of(cell) * H, BH = B * H;
  const bool gru = cell == Cell::gru;
  Scratch<float> dg(B * T * GH), drec(gru ? B * T * GH : 0), hp(B * T * H), direct(BH), dhp(BH),
      dc(cell == Cell::lstm ? BH : 0);
  if (cell == Cell::lstm) {
    if (saved.dc_last != nullptr) {
      copy_on_device(dc.get(), saved.dc_last, sizeof(float) * BH);
    } else {
      fill(dc.get(), 0.0f, BH);
    }
  }
  const float* rec_grads = gru ? drec.get() : dg.get();
  BackArgs a{};
  a.B = B;
  a.T = T;
  a.H = H;
  a.act = o.act;
  a.ract = o.ract;
  a.dh_last = saved.dh_last;
  a.dh_seq = saved.dh_seq;
  a.dhp = dhp.get();
  a.rmask = in.rmask;
  a.h0 = in.h0;
  a.c0 = in.c0;
  a.h_seq = saved.h_seq;
  a.gates = saved.gates;
  a.cells = saved.cells;
  a.direct = direct.get();
  a.dc = dc.get();
  a.dg = dg.get();
  a.drec = drec.get();
  a.hp = hp.get();
  for (i64 s = T - 1; s >= 0; --s) {
    a.s = s;
    a.t = o.go_backwards ? T - 1 - s : s;
    a.first = s == T - 1;
    backward_step_kernel<<<blocks_for(BH), kThreads>>>(cell, a);
    check_launch("rnn backward step");
    // This step's recurrent-side gradients (rows b * T + t, stride T * GH) back through U^T.
    gemm(false, true, B, H, GH, 1.0f, rec_grads + a.t * GH, T * GH, in.recurrent, GH, 0.0f,
         dhp.get(), H, nullptr, Activation::linear);
  }
  finish_state_grad_kernel<<<blocks_for(BH), kThreads>>>(direct.get(), dhp.get(), in.rmask, BH,
                                                         grads.dh0);
  check_launch("rnn backward");
  if (cell == Cell::lstm) copy_on_device(grads.dc0, dc.get(), sizeof(float) * BH);
  gemm(false, true, B * T, I, GH, 1.0f, dg.get(), GH, in.kernel, GH, 0.0f, grads.dx, I, nullptr,
       Activation::linear);
  gemm(true, false, I, GH, B * T, 1.0f, in.x, I, dg.get(), GH, 0.0f, grads.dkernel, GH, nullptr,
       Activation::linear);
  gemm(true, false, H, GH, B * T, 1.0f, hp.get(), H, rec_grads, GH, 0.0f, grads.drecurrent, GH,
       nullptr, Activation::linear);
  if (grads.dbias != nullptr) {
    column_sums(dg.get(), B * T, GH, grads.dbias);
    if (gru) column_sums(drec.get(), B * T, GH, grads.dbias + GH);
  }
}

}  // namespace

void lstm_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnForwardOut& out) {
  forward(Cell::lstm, s, o, in, out);
}

void lstm_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                   const RnnBackwardIn& saved, const RnnGrads& grads) {
  backward(Cell::lstm, s, o, in, saved, grads);
}

void gru_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                 const RnnForwardOut& out) {
  forward(Cell::gru, s, o, in, out);
}

void gru_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnBackwardIn& saved, const RnnGrads& grads) {
  backward(Cell::gru, s, o, in, saved, grads);
}

void simple_rnn_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                        const RnnForwardOut& out) {
  forward(Cell::simple, s, o, in, out);
}

void simple_rnn_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                         const RnnBackwardIn& saved, const RnnGrads& grads) {
  backward(Cell::simple, s, o, in, saved, grads);
}

}  // namespace ember::cuda
