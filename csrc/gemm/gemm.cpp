// The GEMM driver: blocking, packing schedule, threading and the edge/epilogue handling around
// the per-ISA micro-kernel.
#include "gemm/gemm.h"

#include <algorithm>
#include <cstring>

#include "common/parallel.h"
#include "common/workspace.h"
#include "gemm/isa.h"

namespace ember::gemm {
namespace {

float* row_of(const Output& c, i64 m) {
  return c.row_offsets != nullptr ? c.data + c.row_offsets[m] : c.data + m * c.ld;
}

bool is_cache_activation(Activation act) {
  return act == Activation::tanh || act == Activation::sigmoid;
}

// Block sizes. kc depends only on K and the ISA (it fixes the summation order); the others may
// follow the thread count because they only decide who computes which tile.
struct Plan {
  i64 kc;          // k-block depth
  i64 nc;          // columns per block, a multiple of nr
  i64 mc;          // rows per block, a multiple of mr
  i64 row_blocks;  // ceil(M / mc)
  i64 splits;      // each row block's panels are split this many ways (small M)
  int threads;
};

Plan make_plan(const IsaKernels& isa, i64 m, i64 n, i64 k, bool parallel) {
  Plan p{};
  p.kc = ceil_div(k, ceil_div(k, isa.kc));  // balanced: no thin last k-block
  p.nc = round_up(ceil_div(n, ceil_div(n, isa.nc)), isa.nr);
  p.threads = parallel ? threads_for(m * n * k) : 1;
  i64 blocks = ceil_div(m, isa.mc);
  if (p.threads > 1 && blocks < 4 * p.threads) blocks = round_up(blocks, p.threads);
  p.mc = round_up(ceil_div(m, blocks), isa.mr);
  p.row_blocks = ceil_div(m, p.mc);
  p.splits = 1;
  if (p.row_blocks < p.threads) {
    p.splits = std::min(ceil_div(p.threads, p.row_blocks), ceil_div(std::min(n, p.nc), isa.nr));
  }
  return p;
}

// Writes an mr_valid x nr_valid corner of a micro-tile computed into `tile` (alpha 1, beta 0).
void merge_tile(const float* tile, int nr, i64 mr_valid, i64 nr_valid, const Output& c, i64 m0,
                i64 n0, float alpha, float beta, const float* bias, bool relu) {
  for (i64 r = 0; r < mr_valid; ++r) {
    float* out = row_of(c, m0 + r) + n0;
    const float* t = tile + r * nr;
    for (i64 j = 0; j < nr_valid; ++j) {
      float v = alpha * t[j];
      if (beta != 0.0f) v += beta * out[j];
      if (bias != nullptr) v += bias[j];
      if (relu && v < 0.0f) v = 0.0f;
      out[j] = v;
    }
  }
}

// C = beta * C (+ bias, activation) for K == 0.
void scale_only(const IsaKernels& isa, i64 m, i64 n, const Output& c, const Epilogue& ep,
                float beta) {
  for (i64 r = 0; r < m; ++r) {
    float* out = row_of(c, r);
    for (i64 j = 0; j < n; ++j) {
      float v = beta != 0.0f ? beta * out[j] : 0.0f;
      if (ep.bias != nullptr) v += ep.bias[j];
      out[j] = v;
    }
    if (ep.act != Activation::linear) isa.activate(ep.act, out, out, n);
  }
}

struct BlockJob {
  const IsaKernels* isa;
  const Output* c;
  const Epilogue* ep;
  i64 m0, mc;          // rows of this block
  i64 n_begin, n_end;  // columns of this job (absolute)
  i64 panel0;          // index of the first panel within the packed B block
  i64 jc;              // first column of the packed B block
  i64 kc;
  const float* a;  // block rows, row stride lda
  i64 lda;
  const float* bpack;
  float* pad;         // mr x kc scratch for the last, partial row panel
  float* tile;        // mr x nr scratch for edge tiles
  float alpha, beta;  // beta already 1 after the first k-block
  bool last;          // last k-block: apply the epilogue
};

void run_block(const BlockJob& job) {
  const IsaKernels& isa = *job.isa;
  const int mr = isa.mr;
  const int nr = isa.nr;
  const Output& c = *job.c;
  const bool relu = job.last && job.ep->act == Activation::relu;

  // The last row panel may be short: copy it into a zero-padded scratch panel once.
  const i64 full_rows = job.mc / mr * mr;
  if (full_rows < job.mc) {
    const i64 rest = job.mc - full_rows;
    for (i64 r = 0; r < mr; ++r) {
      float* dst = job.pad + r * job.kc;
      if (r < rest) {
        std::memcpy(dst, job.a + (full_rows + r) * job.lda,
                    static_cast<std::size_t>(job.kc) * sizeof(float));
      } else {
        std::memset(dst, 0, static_cast<std::size_t>(job.kc) * sizeof(float));
      }
    }
  }

  for (i64 n0 = job.n_begin; n0 < job.n_end; n0 += nr) {
    const i64 nr_valid = std::min<i64>(nr, job.n_end - n0);
    const float* b = job.bpack + (job.panel0 + (n0 - job.n_begin) / nr) * job.kc * nr;
    const float* bias = job.last && job.ep->bias != nullptr ? job.ep->bias + n0 : nullptr;
    for (i64 ir = 0; ir < job.mc; ir += mr) {
      const i64 mr_valid = std::min<i64>(mr, job.mc - ir);
      MicroKernelArgs g{};
      g.kc = job.kc;
      g.b = b;
      if (mr_valid == mr) {
        g.a = job.a + ir * job.lda;
        g.lda = job.lda;
      } else {
        g.a = job.pad;
        g.lda = job.kc;
      }
      const bool direct = mr_valid == mr && nr_valid == nr && c.row_offsets == nullptr;
      if (direct) {
        g.c = c.data + (job.m0 + ir) * c.ld + n0;
        g.ldc = c.ld;
        g.alpha = job.alpha;
        g.beta = job.beta;
        g.bias = bias;
        g.relu = relu;
        isa.microkernel(g);
      } else {
        g.c = job.tile;
        g.ldc = nr;
        g.alpha = 1.0f;
        g.beta = 0.0f;
        isa.microkernel(g);
        merge_tile(job.tile, nr, mr_valid, nr_valid, c, job.m0 + ir, n0, job.alpha, job.beta, bias,
                   relu);
      }
    }
  }

  if (job.last && is_cache_activation(job.ep->act)) {
    for (i64 r = 0; r < job.mc; ++r) {
      float* out = row_of(c, job.m0 + r) + job.n_begin;
      isa.activate(job.ep->act, out, out, job.n_end - job.n_begin);
    }
  }
}

}  // namespace

void gemm(i64 m, i64 n, i64 k, const ASource& a, const BSource& b, const Output& c,
          const Epilogue& ep, const Options& opt) {
  if (m <= 0 || n <= 0) return;
  const IsaKernels& isa = active_isa();
  if (k <= 0) {
    scale_only(isa, m, n, c, ep, opt.beta);
    return;
  }
  const Plan plan = make_plan(isa, m, n, k, opt.parallel);
  const int mr = isa.mr;
  const int nr = isa.nr;
  float* bpack = thread_workspace(WorkspaceSlot::gemm_b, plan.kc * plan.nc);

#pragma omp parallel num_threads(plan.threads) if (plan.threads > 1)
  {
    float* abuf = thread_workspace(WorkspaceSlot::gemm_a, (plan.mc + mr) * plan.kc);
    float* tile = thread_workspace(WorkspaceSlot::gemm_tile, static_cast<i64>(mr) * nr);
    for (i64 jc = 0; jc < n; jc += plan.nc) {
      const i64 nc = std::min(plan.nc, n - jc);
      const i64 panels = ceil_div(nc, nr);
      for (i64 pc = 0; pc < k; pc += plan.kc) {
        const i64 kc = std::min(plan.kc, k - pc);
        // Pack the B block cooperatively: one contiguous run of panels per thread.
#pragma omp for schedule(static)
        for (int t = 0; t < plan.threads; ++t) {
          const i64 p0 = panels * t / plan.threads;
          const i64 p1 = panels * (t + 1) / plan.threads;
          if (p0 < p1) {
            b.pack(pc, kc, jc + p0 * nr, std::min(nc, p1 * nr) - p0 * nr, nr, bpack + p0 * kc * nr);
          }
        }
        const i64 tasks = plan.row_blocks * plan.splits;
#pragma omp for schedule(dynamic, 1)
        for (i64 task = 0; task < tasks; ++task) {
          const i64 block = task / plan.splits;
          const i64 split = task % plan.splits;
          const i64 p0 = panels * split / plan.splits;
          const i64 p1 = panels * (split + 1) / plan.splits;
          if (p0 == p1) continue;
          BlockJob job{};
          job.isa = &isa;
          job.c = &c;
          job.ep = &ep;
          job.m0 = block * plan.mc;
          job.mc = std::min(plan.mc, m - job.m0);
          job.n_begin = jc + p0 * nr;
          job.n_end = std::min(jc + p1 * nr, n);
          job.panel0 = p0;
          job.jc = jc;
          job.kc = kc;
          job.a = a.rows(job.m0, job.mc, pc, kc, abuf, &job.lda);
          job.bpack = bpack;
          job.pad = abuf + plan.mc * plan.kc;
          job.tile = tile;
          job.alpha = opt.alpha;
          job.beta = pc == 0 ? opt.beta : 1.0f;
          job.last = pc + kc == k;
          run_block(job);
        }
      }
    }
  }
}

void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const Epilogue& epilogue,
          bool parallel) {
  const MatrixA asrc(a, lda, trans_a);
  const MatrixB bsrc(b, ldb, trans_b);
  Output out;
  out.data = c;
  out.ld = ldc;
  Options opt;
  opt.alpha = alpha;
  opt.beta = beta;
  opt.parallel = parallel;
  gemm(m, n, k, asrc, bsrc, out, epilogue, opt);
}

}  // namespace ember::gemm
