// The recurrent kernels of kernels/rnn.h: one driver for the three cells, which differ only in
// how many gates the products carry and in the per-ISA gate math (gemm/rnn_math.inc).
//
// Threads (WorkSplit below): each thread takes either its own batch rows, for every unit and
// step with no synchronization at all, or a range of hidden units, a multiple of the wide
// micro-tile width, for every row. In the second case the forward product is h_rec_{t-1} @ U
// restricted to the owned columns of each gate (U is packed once with each gate's columns
// padded to that width, so every gate's range starts on a panel) and the backward product
// dG_t @ U^T restricted to the owned units: a thread's gate math reads only what it computed
// itself, and the team meets once per step (twice for GRU with reset_after=False, whose
// candidate needs a second product after r is known): each phase is one parallel section of
// tasks, one per part (sweep below). The products sum over k in the engine's
// fixed order, so no result depends on the thread count or the split.
#include "kernels/rnn.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "common/checked_math.h"
#include "common/parallel.h"
#include "common/workspace.h"
#include "gemm/gemm.h"
#include "gemm/isa.h"
#include "kernels/reduce.h"

namespace ember {
namespace {

enum class Cell { lstm, gru, simple };

// One call: sizes, the cell and the step order.
struct Plan {
  Cell cell;
  i64 B, T, I, H;
  i64 G;   // gates
  i64 GH;  // G * H: columns of W and U
  bool back;
  bool split;  // GRU reset_after=False: the candidate's product runs after r is known

  Plan(Cell c, const RnnShape& s, const RnnOptions& o)
      : cell(c), B(s.batch), T(s.time), I(s.input), H(s.units), back(o.go_backwards) {
    G = c == Cell::lstm ? 4 : c == Cell::gru ? 3 : 1;
    GH = checked_mul(G, H, "rnn");
    split = c == Cell::gru && !o.reset_after;
  }
  // The time index of x read at processing step s.
  i64 time(i64 s) const { return back ? T - 1 - s : s; }
};

// The first valid processing step of each row (T when every step is masked): a row's output is
// zero before it, and after it the output at every step is the state.
std::vector<i64> first_valid_steps(const Plan& p, const std::uint8_t* mask) {
  std::vector<i64> first(static_cast<std::size_t>(p.B), 0);
  if (mask == nullptr) return first;
  for (i64 b = 0; b < p.B; ++b) {
    i64 s = 0;
    while (s < p.T && mask[b * p.T + p.time(s)] == 0) ++s;
    first[static_cast<std::size_t>(b)] = s;
  }
  return first;
}

bool valid(const Plan& p, const std::uint8_t* mask, i64 b, i64 s) {
  return mask == nullptr || mask[b * p.T + p.time(s)] != 0;
}

// How the team shares a sequence. By rows: each thread runs its own batch rows through every
// step, for all units, and never waits for the others; each then reads all of U at every step,
// so this is for a U that stays in the caches and batches that give every thread at least one
// whole micro-tile of rows. By units: each thread owns a range of hidden units, a multiple of
// `block`, for every row (all gates of them, so its gate math reads only what it computed) and
// the team meets at a barrier per step. Either way each element is computed by the same code,
// so the results do not depend on the split.
// One part's share: rows [r0, r1) (m of them) and units [u0, u1) (n; c1 padded to a panel).
struct Part {
  i64 r0 = 0, r1 = 0, m = 0, u0 = 0, u1 = 0, c1 = 0, n = 0;
  std::size_t bytes = 0;  // n floats
};

struct WorkSplit {
  int threads = 1;  // threads of the team that share the parts
  int parts = 1;    // pieces of the work, a few per thread so that others can take a
                    // descheduled thread's share
  bool by_rows = false;
  i64 B = 0, H = 0, block = 1, blocks = 1;
  i64 row_begin(int t) const { return by_rows ? B * t / parts : 0; }
  i64 row_end(int t) const { return by_rows ? B * (t + 1) / parts : B; }
  i64 begin(int t) const { return by_rows ? 0 : blocks * t / parts * block; }
  i64 padded_end(int t) const {  // <= Hp
    return (by_rows ? blocks : blocks * (t + 1) / parts) * block;
  }
  i64 end(int t) const { return std::min(padded_end(t), H); }
  bool barriers() const { return parts > 1 && !by_rows; }
  Part part(int t) const {
    Part q;
    q.r0 = row_begin(t);
    q.r1 = row_end(t);
    q.m = q.r1 - q.r0;
    q.u0 = begin(t);
    q.u1 = end(t);
    q.c1 = padded_end(t);
    q.n = q.u1 - q.u0;
    q.bytes = static_cast<std::size_t>(std::max<i64>(q.n, 0)) * sizeof(float);
    return q;
  }
};

// Parts per thread: more let the running threads take over a descheduled one's share on a
// busy machine; fewer read U (by rows) or sync (by units) less often on a quiet one.
constexpr int kPartsPerThread = 2;

WorkSplit split_work(const Plan& p, i64 block, i64 tile_rows, bool small) {
  WorkSplit sp;
  sp.B = p.B;
  sp.H = p.H;
  sp.block = block;
  sp.blocks = ceil_div(p.H, block);
  // One step's recurrent multiply-adds decide whether the team is worth it; computed in double
  // so huge shapes saturate instead of overflowing.
  const double work =
      static_cast<double>(p.B) * static_cast<double>(p.H) * static_cast<double>(p.GH);
  const int want = threads_for(work > 4e18 ? i64{4000000000000000000} : static_cast<i64>(work));
  constexpr double kRowSplitMaxBytes = 8e6;  // U read by every thread at every step
  const double u_bytes = 4.0 * static_cast<double>(p.H) * static_cast<double>(p.GH);
  i64 pieces = 1;  // the most parts the split allows
  if (want > 1 && !small && p.B >= 2 * tile_rows && u_bytes <= kRowSplitMaxBytes) {
    sp.by_rows = true;
    pieces = p.B / tile_rows;
  } else {
    pieces = sp.blocks;
  }
  sp.threads = static_cast<int>(std::min<i64>(want, pieces));
  sp.parts = sp.threads == 1
                 ? 1
                 : static_cast<int>(std::min<i64>(pieces, i64{kPartsPerThread} * sp.threads));
  return sp;
}

// Runs a recurrent sweep over the parts of `sp`: init(part), then phase(part, k, ph) for each
// step k in [0, steps) and phase ph in [0, phases), then finish(part). Split by units, the
// parts meet after every phase, so each phase of each step is one parallel section whose end is
// the barrier (a part is a task: a descheduled thread's part is taken over by the others). Split
// by rows (or on one thread), each part runs its whole sweep as one task.
template <class Init, class Phase, class Finish>
void sweep(const WorkSplit& sp, i64 steps, int phases, const Init& init, const Phase& phase,
           const Finish& finish) {
  const int parts = sp.parts;
  const int threads = sp.threads;
  if (!sp.barriers()) {
    parallel_tasks(parts, threads, [&](i64 part) {
      const int t = static_cast<int>(part);
      init(t);
      for (i64 k = 0; k < steps; ++k) {
        for (int ph = 0; ph < phases; ++ph) phase(t, k, ph);
      }
      finish(t);
    });
    return;
  }
  parallel_tasks(parts, threads, [&](i64 part) { init(static_cast<int>(part)); });
  for (i64 k = 0; k < steps; ++k) {
    for (int ph = 0; ph < phases; ++ph) {
      parallel_tasks(parts, threads, [&](i64 part) { phase(static_cast<int>(part), k, ph); });
    }
  }
  parallel_tasks(parts, threads, [&](i64 part) { finish(static_cast<int>(part)); });
}

// Scratch carved from the calling thread's kernel0 workspace: sized once per call, reused across
// calls. (kernel1 stays free for column_sums, which runs while these buffers are live.)
class Arena {
 public:
  explicit Arena(std::initializer_list<i64> sizes) {
    i64 total = 0;
    for (i64 n : sizes) total = checked_add(total, round_up(std::max<i64>(n, 1), 16), "rnn");
    base_ = thread_workspace(WorkspaceSlot::kernel0, total);
  }
  float* take(i64 n) {
    float* out = base_ + used_;
    used_ += round_up(std::max<i64>(n, 1), 16);
    return out;
  }

 private:
  float* base_ = nullptr;
  i64 used_ = 0;
};

// U's columns for the forward products: gate g's H columns start at g * Hp, zero-padded to Hp
// (a multiple of the panel width), so each thread's unit range starts on a panel in every gate.
class PaddedGates final : public gemm::BSource {
 public:
  PaddedGates(const float* u, i64 ld, i64 units, i64 padded)
      : u_(u), ld_(ld), h_(units), hp_(padded) {}
  void pack(i64 k0, i64 kc, i64 n0, i64 nc, int nr, float* dst) const override {
    for (i64 p = 0; p * nr < nc; ++p) {
      const i64 col = n0 + p * nr;  // panels never straddle a gate: Hp is a multiple of nr
      const i64 gate = col / hp_;
      const i64 unit = col - gate * hp_;
      const i64 width = std::clamp<i64>(std::min<i64>(nr, nc - p * nr), 0, h_ - unit);
      float* panel = dst + p * kc * nr;
      for (i64 k = 0; k < kc; ++k) {
        float* out = panel + k * nr;
        if (width > 0) {
          std::memcpy(out, u_ + (k0 + k) * ld_ + gate * h_ + unit,
                      static_cast<std::size_t>(width) * sizeof(float));
        }
        for (i64 j = std::max<i64>(width, 0); j < nr; ++j) out[j] = 0.0f;
      }
    }
  }

 private:
  const float* u_;
  i64 ld_, h_, hp_;
};

// x's rows in processing order, step-major: row s * B + b of A is x[b, time(s)]. Steps are the
// outer index so that each step's rows of the projection (and of everything saved per step) are
// one contiguous block.
class StepRows final : public gemm::ASource {
 public:
  StepRows(const Plan& p, const float* x) : p_(p), x_(x) {}
  gemm::ABlock rows(i64 m0, i64 mc, i64 k0, i64 kc, float* buf) const override {
    const i64 I = p_.I;
    if (p_.B == 1 && !p_.back) return {x_ + m0 * I + k0, I, false};
    for (i64 r = 0; r < mc; ++r) {
      const i64 s = (m0 + r) / p_.B;
      const i64 b = (m0 + r) - s * p_.B;
      std::memcpy(buf + r * kc, x_ + (b * p_.T + p_.time(s)) * I + k0,
                  static_cast<std::size_t>(kc) * sizeof(float));
    }
    return {buf, kc, false};
  }

 private:
  const Plan& p_;
  const float* x_;
};

gemm::Output output(float* data, i64 ld) {
  gemm::Output out;
  out.data = data;
  out.ld = ld;
  return out;
}

// Asks for the cache lines of [p, p + n) ahead of use: each step's rows of the sequence-long
// arrays were last touched many steps ago, and the recurrent product is long enough to hide
// the fetch.
template <int kWrite>
void prefetch(const float* p, i64 n) {
  for (i64 j = 0; j < n; j += 16) __builtin_prefetch(p + j, kWrite, 3);
}

// A recurrent product of a batch smaller than the GEMM's micro-tile runs row by row as vector
// products on B as it is: they keep more independent sums in flight than a tile of one or two
// rows can. Larger batches go through B packed once (the last, partial row panel costing only
// its own rows).
bool small_batch(i64 batch, i64 tile_rows) { return batch < tile_rows; }

// C[:, cols] = A @ B[:, cols] for one thread's m rows and columns: through the packed B (its
// columns p0..p1), or for a small batch through `natural`, the same B unpacked (row-major, row
// stride ldn, offset to the first column) into C at column c0.
struct RecurrentProduct {
  const RnnRowKernels& rows;
  const gemm::PackedB& packed;
  bool small;
  i64 k;
  void operator()(i64 m, const float* a, i64 lda, i64 p0, i64 p1, const float* natural, i64 ldn,
                  i64 n, float* c, i64 ldc, i64 c0) const {
    if (n <= 0 || m <= 0) return;
    if (small) {
      rows.small_product(m, n, k, a, lda, natural, ldn, c + c0, ldc);
    } else {
      gemm::gemm_packed_columns(m, p0, p1, gemm::MatrixA(a, lda, false), packed, output(c, ldc));
    }
  }
};

void copy_or_zero(float* dst, const float* src, i64 n) {
  if (src != nullptr) {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
  } else {
    std::memset(dst, 0, static_cast<std::size_t>(n) * sizeof(float));
  }
}

// ----------------------------------------------------------------------------------- forward

void forward(Cell cell, const RnnShape& shape, const RnnOptions& o, const RnnInputs& in,
             const RnnForwardOut& out) {
  const Plan p(cell, shape, o);
  const IsaKernels& isa = active_isa();
  const RnnRowKernels& rows = isa.rnn;
  const i64 B = p.B, T = p.T, H = p.H, GH = p.GH;
  const i64 block = isa.wide.nr;
  const i64 Hp = round_up(H, block);
  const i64 G1 = p.split ? 2 : p.G;  // gates in the first product
  const bool training = out.gates != nullptr;
  const bool lstm = cell == Cell::lstm;
  const bool gru_ra = cell == Cell::gru && !p.split;
  const i64 BT = checked_mul(B, T, "rnn");
  const i64 BH = checked_mul(B, H, "rnn");

  Arena arena({training ? 0 : checked_mul(BT, GH, "rnn"), GH, checked_product("rnn", B, G1, Hp),
               2 * BH, in.rmask != nullptr ? 2 * BH : 0, lstm && !training ? BH : 0, H,
               p.split ? 2 * checked_mul(B, Hp, "rnn") : 0});
  float* xw = training ? out.gates : arena.take(BT * GH);
  float* bias = arena.take(GH);
  float* rec = arena.take(B * G1 * Hp);
  float* hbuf[2] = {arena.take(2 * BH), nullptr};
  hbuf[1] = hbuf[0] + BH;
  float* hrbuf[2] = {nullptr, nullptr};
  if (in.rmask != nullptr) {
    hrbuf[0] = arena.take(2 * BH);
    hrbuf[1] = hrbuf[0] + BH;
  }
  float* cbuf = lstm && !training ? arena.take(BH) : nullptr;
  float* zeros = arena.take(H);
  std::fill(zeros, zeros + H, 0.0f);
  float* rh = p.split ? arena.take(2 * B * Hp) : nullptr;
  float* rec2 = p.split ? rh + B * Hp : nullptr;

  // The input projection of every step: one GEMM. GRU with reset_after folds the recurrent bias
  // of z and r in here; the candidate's stays apart because r multiplies it.
  const float* rec_bias = nullptr;
  const float* in_bias = in.bias;
  if (in.bias != nullptr && gru_ra) {
    for (i64 j = 0; j < GH; ++j) bias[j] = in.bias[j] + (j < 2 * H ? in.bias[GH + j] : 0.0f);
    in_bias = bias;
    rec_bias = in.bias + GH + 2 * H;
  }
  gemm::Epilogue ep;
  ep.bias = in_bias;
  gemm::gemm(BT, GH, p.I, StepRows(p, in.x), gemm::MatrixB(in.kernel, GH, false), output(xw, GH),
             ep);

  // The recurrent products: through U packed once, or for a small batch row by row on U as it
  // is.
  const bool small = small_batch(B, isa.wide.mr);
  gemm::PackedB up, up_h;
  if (!small) {
    up.pack(PaddedGates(in.recurrent, GH, H, Hp), H, G1 * Hp);
    if (p.split) up_h.pack(PaddedGates(in.recurrent + 2 * H, GH, H, Hp), H, Hp);
  }
  const RecurrentProduct product{rows, up, small, H};
  const RecurrentProduct product_h{rows, up_h, small, H};

  const std::vector<i64> first = first_valid_steps(p, in.mask);
  const WorkSplit sp = split_work(p, block, isa.wide.mr, small);
  RnnRowFn row_fn = lstm ? rows.lstm : cell == Cell::simple ? rows.simple_rnn : rows.gru;
  if (p.split) row_fn = rows.gru_gates;

  const auto init = [&](int tid) {
    const Part q = sp.part(tid);
    const i64 r0 = q.r0, r1 = q.r1, u0 = q.u0, n = q.n;
    for (i64 b = r0; b < r1 && n > 0; ++b) {
      float* h = hbuf[0] + b * H + u0;
      copy_or_zero(h, in.h0 != nullptr ? in.h0 + b * H + u0 : nullptr, n);
      if (in.rmask != nullptr) {
        for (i64 j = 0; j < n; ++j) hrbuf[0][b * H + u0 + j] = h[j] * in.rmask[b * H + u0 + j];
      }
      if (cbuf != nullptr) copy_or_zero(cbuf + b * H + u0, in.c0 ? in.c0 + b * H + u0 : nullptr, n);
    }
  };
  // Phase 0 of step s: the recurrent products and the gate math (all of it, or for GRU
  // with reset_after=False up to r * h); phase 1: the candidate's product and the rest.
  const auto step = [&](int tid, i64 s, int phase) {
    const Part q = sp.part(tid);
    const i64 r0 = q.r0, r1 = q.r1, m = q.m, u0 = q.u0, u1 = q.u1, c1 = q.c1, n = q.n;
    const std::size_t bytes = q.bytes;
    const int cur = static_cast<int>(s & 1);
    const float* h_prev = hbuf[cur];
    float* h_new = hbuf[cur ^ 1];
    const float* hr_prev = in.rmask != nullptr ? hrbuf[cur] : h_prev;
    float* hr_new = in.rmask != nullptr ? hrbuf[cur ^ 1] : nullptr;
    // Per row: the fused gate math of a valid step, or a masked step's carry.
    auto run_rows = [&](RnnRowFn fn, bool final_phase) {
      for (i64 b = r0; b < r1 && n > 0; ++b) {
        const i64 row = s * B + b;
        // Prefetch, a row ahead, the next row's operands (the product streamed U through the
        // caches since they were written or fetched) and, a step ahead, this row's operands
        // of the next step from memory: spread over the rows so the fetches stay in flight
        // rather than overflowing the miss buffers.
        if (b + 1 < r1) {
          for (i64 g = 0; g < p.G; ++g) {
            prefetch<0>(rec + (b + 1) * G1 * Hp + g * Hp + u0, g < G1 ? n : 0);
            prefetch<1>(xw + (row + 1) * GH + g * H + u0, n);
          }
        }
        if (s + 1 < T && final_phase) {
          for (i64 g = 0; g < p.G; ++g) prefetch<1>(xw + (row + B) * GH + g * H + u0, n);
          if (lstm && training) prefetch<1>(out.cells + (row + B) * H + u0, n);
          prefetch<1>(out.h_seq + (b * T + s + 1) * H + u0, n);
        }
        RnnForwardRow r{};
        r.n = n;
        r.act = o.act;
        r.ract = o.ract;
        r.gates = xw + row * GH + u0;
        r.gate_stride = H;
        r.h_prev = h_prev + b * H + u0;
        r.h = h_new + b * H + u0;
        r.h_rec = hr_new != nullptr ? hr_new + b * H + u0 : nullptr;
        r.rmask = in.rmask != nullptr ? in.rmask + b * H + u0 : nullptr;
        r.y = out.h_seq + (b * T + s) * H + u0;
        if (lstm) {
          if (training) {
            r.c_prev = s > 0 ? out.cells + (row - B) * H + u0
                             : (in.c0 != nullptr ? in.c0 + b * H + u0 : zeros);
            r.c = out.cells + row * H + u0;
          } else {
            r.c_prev = r.c = cbuf + b * H + u0;
          }
        }
        if (valid(p, in.mask, b, s)) {
          if (p.split && final_phase) {
            r.rec = rec2 + b * Hp + u0;
          } else {
            r.rec = rec + b * G1 * Hp + u0;
            r.rec_stride = Hp;
          }
          r.rec_bias = rec_bias != nullptr ? rec_bias + u0 : nullptr;
          r.inner = gru_ra && training ? out.cells + row * H + u0 : nullptr;
          r.h_rec_prev = hr_prev + b * H + u0;
          r.rh = rh != nullptr ? rh + b * Hp + u0 : nullptr;
          fn(r);
          continue;
        }
        if (p.split && !final_phase) {  // finite values for the candidate's product
          std::memset(rh + b * Hp + u0, 0, bytes);
          continue;
        }
        // Masked: the states carry over; the output repeats the last one (zero before the
        // row's first valid step); the saved gates are zero.
        std::memcpy(r.h, r.h_prev, bytes);
        if (r.h_rec != nullptr) std::memcpy(r.h_rec, hr_prev + b * H + u0, bytes);
        if (s > first[static_cast<std::size_t>(b)]) {
          std::memcpy(r.y, r.h_prev, bytes);
        } else {
          std::memset(r.y, 0, bytes);
        }
        if (lstm && r.c != r.c_prev) std::memcpy(r.c, r.c_prev, bytes);
        for (i64 g = 0; g < p.G; ++g) std::memset(r.gates + g * H, 0, bytes);
        if (gru_ra && training) std::memset(out.cells + row * H + u0, 0, bytes);
      }
    };
    if (phase == 0) {
      for (i64 g = 0; g < G1; ++g) {
        product(m, hr_prev + r0 * H, H, g * Hp + u0, g * Hp + c1, in.recurrent + g * H + u0, GH, n,
                rec + r0 * G1 * Hp, G1 * Hp, g * Hp + u0);
      }
      run_rows(row_fn, !p.split);
      return;
    }
    product_h(m, rh + r0 * Hp, Hp, u0, c1, in.recurrent + 2 * H + u0, GH, n, rec2 + r0 * Hp, Hp,
              u0);
    run_rows(rows.gru_candidate, true);
  };
  const auto finish = [&](int tid) {
    const Part q = sp.part(tid);
    const i64 r0 = q.r0, r1 = q.r1, u0 = q.u0, n = q.n;
    const std::size_t bytes = q.bytes;
    const float* h_final = hbuf[T & 1];
    for (i64 b = r0; b < r1 && n > 0; ++b) {
      std::memcpy(out.h_last + b * H + u0, h_final + b * H + u0, bytes);
      if (lstm) {
        const float* c = training ? out.cells + ((T - 1) * B + b) * H : cbuf + b * H;
        std::memcpy(out.c_last + b * H + u0, c + u0, bytes);
      }
    }
  };
  sweep(sp, T, p.split ? 2 : 1, init, step, finish);
}

// ---------------------------------------------------------------------------------- backward

// Row b's state before processing step s: h_seq[b, s - 1] once the row has had a valid step
// (from then on the output is the state), h0 before that.
const float* state_before(const Plan& p, const RnnInputs& in, const float* h_seq,
                          const float* zeros, const std::vector<i64>& first, i64 b, i64 s) {
  if (s > first[static_cast<std::size_t>(b)]) return h_seq + (b * p.T + s - 1) * p.H;
  return in.h0 != nullptr ? in.h0 + b * p.H : zeros;
}

// C (M x N) = A^T B for A (K x M) and B (K x N) with a long K (every step of the sequence),
// summed over fixed chunks of K: the engine then packs each chunk's B in one column block rather
// than narrow blocks that each re-read A. The chunking depends only on K, so the result does
// not depend on the thread count.
void gemm_at_b(i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb, float* c,
               i64 ldc) {
  constexpr i64 kChunk = 1024;
  for (i64 k0 = 0; k0 < k; k0 += kChunk) {
    gemm::gemm(true, false, m, n, std::min(kChunk, k - k0), 1.0f, a + k0 * lda, lda, b + k0 * ldb,
               ldb, k0 == 0 ? 0.0f : 1.0f, c, ldc);
  }
}

void backward(Cell cell, const RnnShape& shape, const RnnOptions& o, const RnnInputs& in,
              const RnnBackwardIn& saved, const RnnGrads& grads) {
  const Plan p(cell, shape, o);
  const IsaKernels& isa = active_isa();
  const RnnRowKernels& rows = isa.rnn;
  const i64 B = p.B, T = p.T, I = p.I, H = p.H, GH = p.GH;
  const i64 block = isa.wide.nr;
  const bool lstm = cell == Cell::lstm;
  const bool gru_ra = cell == Cell::gru && !p.split;
  const i64 BT = checked_mul(B, T, "rnn");
  const i64 BH = checked_mul(B, H, "rnn");
  const i64 BTH = checked_mul(BT, H, "rnn");
  const i64 XH = checked_add(I, H, "rnn");  // columns of xh

  // Step-major scratch (row s * B + b is step s of batch row b):
  //   dg  the gradients that enter the recurrent product; they are the input side's too, except
  //       for GRU with reset_after, where r multiplies the recurrent side of the candidate and
  //       its input side (dcand) is kept apart;
  //   xh  [x | h_prev] per step (plus a last step holding the final state): the A^T of
  //       [dW; dU] = [x | h_rec]^T dG, one product for both weight gradients.
  Arena arena({checked_mul(BT, GH, "rnn"), gru_ra ? BTH : 0, BH, p.split ? BH : 0, BH,
               lstm ? BH : 0, checked_product("rnn", T + 1, B, XH), H, checked_mul(BT, I, "rnn"),
               checked_mul(XH, GH, "rnn"), checked_mul(GH, H, "rnn")});
  float* dg = arena.take(BT * GH);
  float* dcand = gru_ra ? arena.take(BTH) : nullptr;
  float* prod = arena.take(BH);
  float* prod_r = p.split ? arena.take(BH) : nullptr;
  float* carry = arena.take(BH);
  float* dc = lstm ? arena.take(BH) : nullptr;
  float* xh = arena.take((T + 1) * B * XH);
  float* zeros = arena.take(H);
  float* dx_steps = arena.take(BT * I);
  float* dwu = arena.take(XH * GH);
  float* u_t = arena.take(GH * H);  // U^T for the small-batch products
  std::fill(zeros, zeros + H, 0.0f);
  const auto h_at = [&](i64 s, i64 b) { return xh + (s * B + b) * XH + I; };

  const std::vector<i64> first = first_valid_steps(p, in.mask);
  {
    // xh: x and the state before each step (the state after the last step in row T).
    const int threads = threads_for((T + 1) * B * XH);
    parallel_range(0, T + 1, threads, [&](i64 lo, i64 hi) {
      for (i64 s = lo; s < hi; ++s) {
        for (i64 b = 0; b < B; ++b) {
          float* dst = xh + (s * B + b) * XH;
          if (s < T) {
            std::memcpy(dst, in.x + (b * T + p.time(s)) * I, static_cast<std::size_t>(I) * 4);
          }
          std::memcpy(dst + I, state_before(p, in, saved.h_seq, zeros, first, b, s),
                      static_cast<std::size_t>(H) * 4);
        }
      }
    });
  }

  // dh_prev = dG_t U^T as in the forward: through U^T packed once, or for a small batch on U^T
  // as a plain array.
  gemm::PackedB ut, ut_h;
  const i64 K1 = p.split ? 2 * H : GH;  // dG's columns in the (first) state-gradient product
  if (B >= isa.wide.mr) {
    ut.pack(gemm::MatrixB(in.recurrent, GH, true), K1, H);
    if (p.split) ut_h.pack(gemm::MatrixB(in.recurrent + 2 * H, GH, true), H, H);
  }
  const bool small = B < isa.wide.mr || small_batch(B, ut.tile_rows());
  if (small) {
    for (i64 j = 0; j < GH; ++j) {
      for (i64 k = 0; k < H; ++k) u_t[j * H + k] = in.recurrent[k * GH + j];
    }
  }
  const RecurrentProduct product{rows, ut, small, K1};
  const RecurrentProduct product_h{rows, ut_h, small, H};

  const WorkSplit sp = split_work(p, block, small ? isa.wide.mr : ut.tile_rows(), small);
  const RnnBackwardRowFn row_fn = lstm                   ? rows.lstm_backward
                                  : cell == Cell::simple ? rows.simple_rnn_backward
                                  : p.split              ? rows.gru_backward_candidate
                                                         : rows.gru_backward;

  const auto init = [&](int tid) {
    const Part q = sp.part(tid);
    const i64 r0 = q.r0, r1 = q.r1, u0 = q.u0, n = q.n;
    for (i64 b = r0; b < r1 && n > 0; ++b) {
      copy_or_zero(carry + b * H + u0, saved.dh_last ? saved.dh_last + b * H + u0 : nullptr, n);
      if (lstm) {
        copy_or_zero(dc + b * H + u0, saved.dc_last ? saved.dc_last + b * H + u0 : nullptr, n);
      }
    }
  };
  // dh_prev of step s for the part's units: dG_s U^T (needs every unit's dG_s).
  const auto state_product = [&](const Part& q, i64 s) {
    product(q.m, dg + (s * B + q.r0) * GH, GH, q.u0, q.u1, u_t + q.u0, H, q.n, prod + q.r0 * H, H,
            q.u0);
  };
  // Phase 0 of sweep step k (time step s = T - 1 - k): the previous step's state product,
  // then the gate gradients; phase 1 (GRU with reset_after=False): the reset gate's.
  const auto step = [&](int tid, i64 k, int phase) {
    const Part q = sp.part(tid);
    const i64 r0 = q.r0, r1 = q.r1, m = q.m, u0 = q.u0, u1 = q.u1, n = q.n;
    const std::size_t bytes = q.bytes;
    const i64 s = T - 1 - k;
    auto run_rows = [&](RnnBackwardRowFn fn, bool reset_phase) {
      for (i64 b = r0; b < r1 && n > 0; ++b) {
        const i64 row = s * B + b;
        // The next row's operands and this row's of the next step, as in the forward.
        for (i64 next : {row + 1, row - B}) {
          if (reset_phase || (next == row + 1 && b + 1 == r1) || (next == row - B && s == 0)) {
            continue;
          }
          for (i64 g = 0; g < p.G; ++g) {
            if (saved.gates != nullptr) prefetch<0>(saved.gates + next * GH + g * H + u0, n);
            prefetch<1>(dg + next * GH + g * H + u0, n);
          }
          if (saved.cells != nullptr) prefetch<0>(saved.cells + next * H + u0, n);
        }
        if (!reset_phase && b + 1 < r1) prefetch<0>(prod + (b + 1) * H + u0, n);
        if (!reset_phase && s > 0 && saved.dh_seq != nullptr) {
          prefetch<0>(saved.dh_seq + (b * T + s - 1) * H + u0, n);
        }
        const bool here = valid(p, in.mask, b, s);
        if (reset_phase && !here) continue;
        RnnBackwardRow r{};
        r.n = n;
        r.act = o.act;
        r.ract = o.ract;
        r.gates = saved.gates != nullptr ? saved.gates + row * GH + u0 : nullptr;
        r.gate_stride = H;
        r.carry = carry + b * H + u0;
        r.rmask = in.rmask != nullptr ? in.rmask + b * H + u0 : nullptr;
        r.dgates = dg + row * GH + u0;
        r.dgate_stride = H;
        r.h_prev = h_at(s, b) + u0;
        if (reset_phase) {
          r.prod = prod_r + b * H + u0;
          fn(r);
          continue;
        }
        r.prod = s < T - 1 && valid(p, in.mask, b, s + 1) ? prod + b * H + u0 : nullptr;
        r.dy = saved.dh_seq != nullptr && s >= first[static_cast<std::size_t>(b)]
                   ? saved.dh_seq + (b * T + s) * H + u0
                   : nullptr;
        if (!here) {
          // Masked: the gradient passes to the previous state unchanged; no gate saw it.
          for (i64 j = 0; j < n; ++j) {
            float g = r.carry[j];
            if (r.prod != nullptr) g += r.rmask != nullptr ? r.prod[j] * r.rmask[j] : r.prod[j];
            if (r.dy != nullptr) g += r.dy[j];
            r.carry[j] = g;
          }
          for (i64 g = 0; g < p.G; ++g) std::memset(r.dgates + g * H, 0, bytes);
          if (dcand != nullptr) std::memset(dcand + row * H + u0, 0, bytes);
          continue;
        }
        if (lstm) {
          r.c_prev = s > 0 ? saved.cells + (row - B) * H + u0
                           : (in.c0 != nullptr ? in.c0 + b * H + u0 : zeros);
          r.c = saved.cells + row * H + u0;
          r.dc = dc + b * H + u0;
        }
        r.inner = gru_ra ? saved.cells + row * H + u0 : nullptr;
        r.dcand = dcand != nullptr ? dcand + row * H + u0 : nullptr;
        r.y = h_at(s + 1, b) + u0;  // a valid step's output is the state after it
        fn(r);
      }
    };
    if (phase == 0) {
      if (k > 0) state_product(q, s + 1);
      run_rows(row_fn, false);
      return;
    }
    product_h(m, dg + (s * B + r0) * GH + 2 * H, GH, u0, u1, u_t + 2 * H * H + u0, H, n,
              prod_r + r0 * H, H, u0);
    run_rows(rows.gru_backward_reset, true);
  };
  const auto finish = [&](int tid) {
    const Part q = sp.part(tid);
    const i64 r0 = q.r0, r1 = q.r1, u0 = q.u0, u1 = q.u1, n = q.n;
    const std::size_t bytes = q.bytes;
    if (T > 0) state_product(q, 0);
    for (i64 b = r0; b < r1 && n > 0; ++b) {
      const bool through = valid(p, in.mask, b, 0);
      for (i64 j = u0; j < u1; ++j) {
        float g = carry[b * H + j];
        if (through) {
          g += in.rmask != nullptr ? prod[b * H + j] * in.rmask[b * H + j] : prod[b * H + j];
        }
        grads.dh0[b * H + j] = g;
      }
      if (lstm) std::memcpy(grads.dc0 + b * H + u0, dc + b * H + u0, bytes);
    }
  };
  sweep(sp, T, p.split ? 2 : 1, init, step, finish);

  const int threads = threads_for(BTH);
  if (in.rmask != nullptr) {  // h_rec = h_prev * rmask where h entered the product
    parallel_range(0, BT, threads, [&](i64 lo, i64 hi) {
      for (i64 row = lo; row < hi; ++row) {
        float* h = xh + row * XH + I;
        const float* m = in.rmask + (row % B) * H;
        for (i64 j = 0; j < H; ++j) h[j] *= m[j];
      }
    });
  }

  // Whole-sequence products: dx = dG W^T, [dW; dU] = [x | h_rec]^T dG, db = column sums.
  const float* w = in.kernel;
  const i64 G_in = gru_ra ? 2 * H : GH;  // dG's columns that are the input side's
  gemm::gemm(false, true, BT, I, G_in, 1.0f, dg, GH, w, GH, 0.0f, dx_steps, I);
  if (gru_ra) gemm::gemm(false, true, BT, I, H, 1.0f, dcand, H, w + G_in, GH, 1.0f, dx_steps, I);
  if (p.split) {
    // dU_h = (r * h_rec)^T da: the candidate's product read r * h_rec.
    gemm_at_b(XH, 2 * H, BT, xh, XH, dg, GH, dwu, GH);
    parallel_range(0, BT, threads, [&](i64 lo, i64 hi) {
      for (i64 row = lo; row < hi; ++row) {
        float* h = xh + row * XH + I;
        const float* r = saved.gates + row * GH + H;
        for (i64 j = 0; j < H; ++j) h[j] *= r[j];
      }
    });
    gemm_at_b(XH, H, BT, xh, XH, dg + 2 * H, GH, dwu + 2 * H, GH);
  } else {
    gemm_at_b(XH, GH, BT, xh, XH, dg, GH, dwu, GH);
  }
  std::memcpy(grads.dkernel, dwu, static_cast<std::size_t>(I * GH) * sizeof(float));
  std::memcpy(grads.drecurrent, dwu + I * GH, static_cast<std::size_t>(H * GH) * sizeof(float));
  if (gru_ra) gemm_at_b(I, H, BT, xh, XH, dcand, H, grads.dkernel + G_in, GH);
  for (i64 b = 0; b < B; ++b) {
    for (i64 s = 0; s < T; ++s) {
      std::memcpy(grads.dx + (b * T + p.time(s)) * I, dx_steps + (s * B + b) * I,
                  static_cast<std::size_t>(I) * sizeof(float));
    }
  }
  if (grads.dbias != nullptr) {
    if (gru_ra) {
      column_sums(dg, BT, GH, grads.dbias + GH);  // the recurrent row
      std::memcpy(grads.dbias, grads.dbias + GH, static_cast<std::size_t>(G_in) * sizeof(float));
      column_sums(dcand, BT, H, grads.dbias + G_in);
    } else {
      column_sums(dg, BT, GH, grads.dbias);
    }
  }
}

}  // namespace

void lstm_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnForwardOut& out) {
  forward(Cell::lstm, s, o, in, out);
}

void gru_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                 const RnnForwardOut& out) {
  forward(Cell::gru, s, o, in, out);
}

void simple_rnn_forward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                        const RnnForwardOut& out) {
  forward(Cell::simple, s, o, in, out);
}

void lstm_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                   const RnnBackwardIn& saved, const RnnGrads& grads) {
  backward(Cell::lstm, s, o, in, saved, grads);
}

void gru_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                  const RnnBackwardIn& saved, const RnnGrads& grads) {
  backward(Cell::gru, s, o, in, saved, grads);
}

void simple_rnn_backward(const RnnShape& s, const RnnOptions& o, const RnnInputs& in,
                         const RnnBackwardIn& saved, const RnnGrads& grads) {
  backward(Cell::simple, s, o, in, saved, grads);
}

}  // namespace ember
