// Reference recurrent kernels: the Keras cell equations one row and one step at a time, sums and
// gate math in double, states stored in float between steps as the layers keep them. Same
// contracts and saved-state layout as kernels/rnn.h.
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/rnn.h"
#include "ref/ref.h"

namespace ember::ref {
namespace {

enum class Cell { lstm, gru, simple };

double act(RnnAct a, double x) {
  switch (a) {
    case RnnAct::tanh:
      return std::tanh(x);
    case RnnAct::sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case RnnAct::hard_sigmoid:
      return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
    case RnnAct::relu:
      return x < 0.0 ? 0.0 : x;  // NaN passes
    case RnnAct::linear:
      break;
  }
  return x;
}

// f'(x) from y = f(x).
double dact(RnnAct a, double y) {
  switch (a) {
    case RnnAct::tanh:
      return 1.0 - y * y;
    case RnnAct::sigmoid:
      return y * (1.0 - y);
    case RnnAct::hard_sigmoid:
      return y > 0.0 && y < 1.0 ? 1.0 / 6.0 : 0.0;
    case RnnAct::relu:
      return y > 0.0 ? 1.0 : 0.0;
    case RnnAct::linear:
      break;
  }
  return 1.0;
}

struct Dims {
  i64 B, T, I, H, G, GH;
  bool back, split;
  Dims(Cell c, const RnnShape& s, const RnnOptions& o)
      : B(s.batch), T(s.time), I(s.input), H(s.units), back(o.go_backwards) {
    G = c == Cell::lstm ? 4 : c == Cell::gru ? 3 : 1;
    GH = G * H;
    split = c == Cell::gru && !o.reset_after;
  }
  i64 time(i64 s) const { return back ? T - 1 - s : s; }
};

bool is_valid(const Dims& d, const RnnInputs& in, i64 b, i64 t) {
  return in.mask == nullptr || in.mask[b * d.T + t] != 0;
}

// sum_k v[k] * m[k * ld + col], in double.
double dot_column(const float* v, i64 n, const float* m, i64 ld, i64 col) {
  double acc = 0.0;
  for (i64 k = 0; k < n; ++k) acc += static_cast<double>(v[k]) * m[k * ld + col];
  return acc;
}

void forward(Cell cell, const RnnShape& shape, const RnnOptions& o, const RnnInputs& in,
             const RnnForwardOut& out) {
  const Dims d(cell, shape, o);
  const i64 B = d.B, T = d.T, I = d.I, H = d.H, GH = d.GH;
  const bool gru_ra = cell == Cell::gru && !d.split;
  std::vector<float> h(static_cast<std::size_t>(B * H), 0.0f), c(h.size(), 0.0f);
  std::vector<float> last_out(h.size(), 0.0f);  // Keras' previous output, zero at first
  if (in.h0 != nullptr) std::memcpy(h.data(), in.h0, h.size() * sizeof(float));
  if (in.c0 != nullptr) std::memcpy(c.data(), in.c0, c.size() * sizeof(float));
  std::vector<double> zx(static_cast<std::size_t>(GH)), zr(zx.size()), gate(zx.size());
  std::vector<float> hr(static_cast<std::size_t>(H)), rh(hr.size());
  std::vector<double> h_new(hr.size()), c_new(hr.size()), inner(hr.size());

  for (i64 s = 0; s < T; ++s) {
    const i64 t = d.time(s);
    for (i64 b = 0; b < B; ++b) {
      const float* xt = in.x + (b * T + t) * I;
      float* hb = h.data() + b * H;
      float* cb = c.data() + b * H;
      for (i64 k = 0; k < H; ++k) hr[k] = in.rmask != nullptr ? hb[k] * in.rmask[b * H + k] : hb[k];
      for (i64 j = 0; j < GH; ++j) {
        zx[j] = dot_column(xt, I, in.kernel, GH, j);
        if (in.bias != nullptr) zx[j] += in.bias[j];
        const bool candidate_after_r = d.split && j >= 2 * H;
        zr[j] = candidate_after_r ? 0.0 : dot_column(hr.data(), H, in.recurrent, GH, j);
        if (gru_ra && in.bias != nullptr) zr[j] += in.bias[GH + j];
      }
      for (i64 j = 0; j < H; ++j) {
        if (cell == Cell::lstm) {
          const double i = act(o.ract, zx[j] + zr[j]);
          const double f = act(o.ract, zx[H + j] + zr[H + j]);
          const double g = act(o.act, zx[2 * H + j] + zr[2 * H + j]);
          const double og = act(o.ract, zx[3 * H + j] + zr[3 * H + j]);
          c_new[j] = f * cb[j] + i * g;
          // The state is kept in float; the output uses the stored cell, as the layer would.
          h_new[j] = og * act(o.act, static_cast<float>(c_new[j]));
          gate[j] = i;
          gate[H + j] = f;
          gate[2 * H + j] = g;
          gate[3 * H + j] = og;
        } else if (cell == Cell::simple) {
          h_new[j] = act(o.act, zx[j] + zr[j]);
        } else {
          gate[j] = act(o.ract, zx[j] + zr[j]);
          gate[H + j] = act(o.ract, zx[H + j] + zr[H + j]);
          if (!d.split) {
            inner[j] = zr[2 * H + j];
            gate[2 * H + j] = act(o.act, zx[2 * H + j] + gate[H + j] * inner[j]);
          }
        }
      }
      if (d.split) {
        for (i64 k = 0; k < H; ++k) rh[k] = static_cast<float>(gate[H + k] * hr[k]);
        for (i64 j = 0; j < H; ++j) {
          gate[2 * H + j] =
              act(o.act, zx[2 * H + j] + dot_column(rh.data(), H, in.recurrent, GH, 2 * H + j));
        }
      }
      if (cell == Cell::gru) {
        for (i64 j = 0; j < H; ++j) {
          h_new[j] = gate[j] * hb[j] + (1.0 - gate[j]) * gate[2 * H + j];
        }
      }
      const bool ok = is_valid(d, in, b, t);
      float* y = out.h_seq + (b * T + s) * H;
      for (i64 j = 0; j < H; ++j) {
        if (ok) {
          hb[j] = static_cast<float>(h_new[j]);
          if (cell == Cell::lstm) cb[j] = static_cast<float>(c_new[j]);
          last_out[b * H + j] = hb[j];
        }
        y[j] = last_out[b * H + j];
      }
      if (out.gates != nullptr && cell != Cell::simple) {
        float* saved = out.gates + (s * B + b) * GH;
        for (i64 j = 0; j < GH; ++j) saved[j] = ok ? static_cast<float>(gate[j]) : 0.0f;
        float* cells = out.cells != nullptr ? out.cells + (s * B + b) * H : nullptr;
        for (i64 j = 0; j < H && cells != nullptr; ++j) {
          cells[j] = cell == Cell::lstm ? cb[j] : ok ? static_cast<float>(inner[j]) : 0.0f;
        }
      }
    }
  }
  std::memcpy(out.h_last, h.data(), h.size() * sizeof(float));
  if (cell == Cell::lstm) std::memcpy(out.c_last, c.data(), c.size() * sizeof(float));
}

void backward(Cell cell, const RnnShape& shape, const RnnOptions& o, const RnnInputs& in,
              const RnnBackwardIn& saved, const RnnGrads& grads) {
  const Dims d(cell, shape, o);
  const i64 B = d.B, T = d.T, I = d.I, H = d.H, GH = d.GH;
  const bool gru_ra = cell == Cell::gru && !d.split;
  const auto sz = [](i64 n) { return static_cast<std::size_t>(n); };
  std::vector<double> dx(sz(B * T * I), 0.0), dw(sz(I * GH), 0.0), du(sz(H * GH), 0.0);
  std::vector<double> db(sz(gru_ra ? 2 * GH : GH), 0.0);
  std::vector<double> dh(sz(B * H), 0.0), dc(sz(B * H), 0.0);
  for (i64 k = 0; k < B * H; ++k) {
    if (saved.dh_last != nullptr) dh[sz(k)] = saved.dh_last[k];
    if (saved.dc_last != nullptr) dc[sz(k)] = saved.dc_last[k];
  }
  // Whether the row has had a valid step by step s: from then on its output is its state.
  std::vector<i64> first(sz(B), T);
  for (i64 b = 0; b < B; ++b) {
    for (i64 s = T - 1; s >= 0; --s) {
      if (is_valid(d, in, b, d.time(s))) first[sz(b)] = s;
    }
  }
  std::vector<double> dxg(sz(GH)), drec(sz(GH)), drh(sz(H)), hprev(sz(H)), hr(sz(H));

  for (i64 s = T - 1; s >= 0; --s) {
    const i64 t = d.time(s);
    for (i64 b = 0; b < B; ++b) {
      double* dhb = dh.data() + b * H;
      double* dcb = dc.data() + b * H;
      if (saved.dh_seq != nullptr && s >= first[sz(b)]) {
        for (i64 j = 0; j < H; ++j) dhb[j] += saved.dh_seq[(b * T + s) * H + j];
      }
      if (!is_valid(d, in, b, t)) continue;  // the state and its gradient pass through
      for (i64 k = 0; k < H; ++k) {
        const bool seen = s > first[sz(b)];
        hprev[sz(k)] = seen ? saved.h_seq[(b * T + s - 1) * H + k]
                            : (in.h0 != nullptr ? in.h0[b * H + k] : 0.0f);
        // h_rec as the forward computed it: the float product.
        const float m = in.rmask != nullptr ? in.rmask[b * H + k] : 1.0f;
        hr[sz(k)] = static_cast<float>(hprev[sz(k)]) * m;
      }
      const float* g = saved.gates != nullptr ? saved.gates + (s * B + b) * GH : nullptr;
      std::vector<double> direct(sz(H), 0.0);
      for (i64 j = 0; j < H; ++j) {
        const double dhj = dhb[j];
        if (cell == Cell::lstm) {
          const double i = g[j], f = g[H + j], cand = g[2 * H + j], og = g[3 * H + j];
          const double c = saved.cells[(s * B + b) * H + j];
          const double c_prev = s > 0 ? saved.cells[((s - 1) * B + b) * H + j]
                                      : (in.c0 != nullptr ? in.c0[b * H + j] : 0.0);
          const double ac = act(o.act, c);
          const double dct = dcb[j] + dhj * og * dact(o.act, ac);
          dxg[sz(j)] = dct * cand * dact(o.ract, i);
          dxg[sz(H + j)] = dct * c_prev * dact(o.ract, f);
          dxg[sz(2 * H + j)] = dct * i * dact(o.act, cand);
          dxg[sz(3 * H + j)] = dhj * ac * dact(o.ract, og);
          dcb[j] = dct * f;
          for (i64 q = 0; q < 4; ++q) drec[sz(q * H + j)] = dxg[sz(q * H + j)];
        } else if (cell == Cell::simple) {
          const double y = saved.h_seq[(b * T + s) * H + j];
          dxg[sz(j)] = drec[sz(j)] = dhj * dact(o.act, y);
        } else {
          const double z = g[j], r = g[H + j], hh = g[2 * H + j];
          const double da = dhj * (1.0 - z) * dact(o.act, hh);
          dxg[sz(j)] = drec[sz(j)] = dhj * (hprev[sz(j)] - hh) * dact(o.ract, z);
          dxg[sz(2 * H + j)] = da;
          direct[sz(j)] = dhj * z;
          if (gru_ra) {
            const double inner = saved.cells[(s * B + b) * H + j];
            dxg[sz(H + j)] = drec[sz(H + j)] = da * inner * dact(o.ract, r);
            drec[sz(2 * H + j)] = da * r;
          }
        }
      }
      if (d.split) {
        // The candidate's product (r * h_rec) @ U_h, backwards.
        for (i64 k = 0; k < H; ++k) {
          double acc = 0.0;
          for (i64 j = 0; j < H; ++j) acc += dxg[sz(2 * H + j)] * in.recurrent[k * GH + 2 * H + j];
          drh[sz(k)] = acc;
        }
        for (i64 k = 0; k < H; ++k) {
          const double r = g[H + k];
          const double m = in.rmask != nullptr ? in.rmask[b * H + k] : 1.0;
          dxg[sz(H + k)] = drec[sz(H + k)] = drh[sz(k)] * hr[sz(k)] * dact(o.ract, r);
          direct[sz(k)] += drh[sz(k)] * r * m;
          const double rh = static_cast<float>(r * hr[sz(k)]);
          for (i64 j = 0; j < H; ++j) du[sz(k * GH + 2 * H + j)] += rh * dxg[sz(2 * H + j)];
        }
      }
      // Parameter and input gradients of this step.
      const float* xt = in.x + (b * T + t) * I;
      for (i64 i = 0; i < I; ++i) {
        double acc = 0.0;
        for (i64 j = 0; j < GH; ++j) {
          acc += dxg[sz(j)] * in.kernel[i * GH + j];
          dw[sz(i * GH + j)] += static_cast<double>(xt[i]) * dxg[sz(j)];
        }
        dx[sz((b * T + t) * I + i)] = acc;
      }
      const i64 rec_cols = d.split ? 2 * H : GH;
      for (i64 k = 0; k < H; ++k) {
        for (i64 j = 0; j < rec_cols; ++j) du[sz(k * GH + j)] += hr[sz(k)] * drec[sz(j)];
      }
      for (i64 j = 0; j < GH; ++j) {
        db[sz(j)] += dxg[sz(j)];
        if (gru_ra) db[sz(GH + j)] += drec[sz(j)];
      }
      // The gradient of the previous state: through U (where h_rec entered) and directly.
      for (i64 k = 0; k < H; ++k) {
        double acc = 0.0;
        for (i64 j = 0; j < rec_cols; ++j) acc += drec[sz(j)] * in.recurrent[k * GH + j];
        const double m = in.rmask != nullptr ? in.rmask[b * H + k] : 1.0;
        dhb[k] = direct[sz(k)] + acc * m;
      }
    }
  }
  auto store = [](const std::vector<double>& v, float* dst) {
    for (std::size_t i = 0; i < v.size(); ++i) dst[i] = static_cast<float>(v[i]);
  };
  store(dx, grads.dx);
  store(dw, grads.dkernel);
  store(du, grads.drecurrent);
  store(dh, grads.dh0);
  if (cell == Cell::lstm) store(dc, grads.dc0);
  if (grads.dbias != nullptr) store(db, grads.dbias);
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

}  // namespace ember::ref
