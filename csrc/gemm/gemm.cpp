// The GEMM driver: blocking, packing schedule, threading and the epilogue around the per-ISA
// micro-kernels.
//
// Loop order: for each block of nc columns, B is packed once for every k-block (it is small for
// the products ember runs: K x nc floats, capped near 4 MB); then each thread takes row blocks
// and runs all k-blocks over one before moving on, so that block's C tile stays in cache between
// k-blocks.
#include "gemm/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

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

// The narrow tile is one vector wide; it pays when the wide tile would mostly compute padding
// (e.g. 6 output channels on a 16-wide tile).
const GemmKernel& pick_kernel(const IsaKernels& isa, i64 n) {
  const i64 wide = round_up(n, isa.wide.nr);
  const i64 narrow = round_up(n, isa.narrow.nr);
  return 4 * wide > 5 * narrow ? isa.narrow : isa.wide;
}

// Block sizes. kc depends only on K and the kernel (it fixes the summation order); the others
// may follow the thread count because they only decide who computes which tile.
struct Plan {
  i64 kc;          // k-block depth (the last k-block may be shorter)
  i64 kblocks;     // ceil(K / kc)
  i64 nc;          // columns per block, a multiple of nr
  i64 mc;          // rows per block, a multiple of mr
  i64 row_blocks;  // ceil(M / mc)
  i64 splits;      // each row block's panels are split this many ways (small M)
  int threads;
};

constexpr int kTasksPerThread = 2;

Plan make_plan(const GemmKernel& kern, i64 m, i64 n, i64 k, bool parallel) {
  Plan p{};
  p.kblocks = ceil_div(k, kern.kc);
  p.kc = ceil_div(k, p.kblocks);  // balanced: no thin last k-block
  // All of B for one column block is packed at once: keep it near 4 MB.
  const i64 nc_cap = std::max<i64>(kern.nr, (i64{1} << 20) / k / kern.nr * kern.nr);
  const i64 nc_max = std::min(kern.nc, nc_cap);
  p.nc = round_up(ceil_div(n, ceil_div(n, nc_max)), kern.nr);
  p.threads = parallel ? threads_for(m * n * k) : 1;
  i64 blocks = ceil_div(m, kern.mc);
  if (p.threads > 1 && blocks < 4 * p.threads) blocks = round_up(blocks, p.threads);
  p.mc = round_up(ceil_div(m, blocks), kern.mr);
  p.row_blocks = ceil_div(m, p.mc);
  // At least a few tasks per thread (so that the running threads take over a descheduled one's
  // share on a busy machine): when the row blocks are fewer, split the columns too, which
  // re-reads only the small A block, not B.
  p.splits = 1;
  const i64 want_tasks = i64{kTasksPerThread} * p.threads;
  if (p.threads > 1 && p.row_blocks < want_tasks) {
    p.splits = std::min(ceil_div(want_tasks, p.row_blocks), ceil_div(std::min(n, p.nc), kern.nr));
  }
  return p;
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

// Copies the last `rest` (< mr) rows of the block into a zero-padded panel of the same layout.
ABlock pad_rows(const ABlock& a, i64 first, i64 rest, int mr, i64 kc, float* pad) {
  if (a.k_major) {
    for (i64 k = 0; k < kc; ++k) {
      const float* src = a.data + k * a.ld + first;
      float* dst = pad + k * mr;
      for (i64 r = 0; r < mr; ++r) dst[r] = r < rest ? src[r] : 0.0f;
    }
    return {pad, mr, true};
  }
  for (i64 r = 0; r < mr; ++r) {
    float* dst = pad + r * kc;
    if (r < rest) {
      std::memcpy(dst, a.data + (first + r) * a.ld, static_cast<std::size_t>(kc) * sizeof(float));
    } else {
      std::memset(dst, 0, static_cast<std::size_t>(kc) * sizeof(float));
    }
  }
  return {pad, kc, false};
}

// Everything one task needs to run one k-block over its rows and columns.
struct BlockJob {
  const GemmKernel* kern;
  const Output* c;
  i64 m0, mc;          // rows of this block
  i64 n_begin, n_end;  // columns of this job (absolute)
  i64 kc;
  ABlock a;            // the block's rows for this k-block
  const float* bpack;  // first panel of this job for this k-block
  float* pad;          // mr x kc scratch for the last, partial row panel
  float* tile;         // mr x nr scratch for scattered (row_offsets) output
  float alpha, beta;   // beta already 1 after the first k-block
  const float* bias;   // last k-block only
  bool relu;           // last k-block only
};

// Scattered rows: the micro-kernel writes a scratch tile, copied out row by row.
void store_scattered(const float* tile, int nr, i64 rows, i64 cols, const Output& c, i64 m0,
                     i64 n0) {
  for (i64 r = 0; r < rows; ++r) {
    std::memcpy(row_of(c, m0 + r) + n0, tile + r * nr, static_cast<std::size_t>(cols) * 4);
  }
}

// One micro-kernel call: rows ir.. of the block, columns n0.. (n_valid of them).
void run_tile(const BlockJob& job, MicroKernel kernel, const ABlock& a, i64 ir, int m_valid, i64 n0,
              int n_valid) {
  const Output& c = *job.c;
  MicroKernelArgs g{};
  g.kc = job.kc;
  g.a = a.data;
  g.lda = a.ld;
  g.b = job.bpack + (n0 - job.n_begin) * job.kc;
  g.alpha = job.alpha;
  g.beta = job.beta;
  g.bias = job.bias != nullptr ? job.bias + n0 : nullptr;
  g.relu = job.relu;
  g.m_valid = m_valid;
  g.n_valid = n_valid;
  if (c.row_offsets == nullptr) {
    g.c = c.data + (job.m0 + ir) * c.ld + n0;
    g.ldc = c.ld;
    kernel(g);
  } else {
    // Phase GEMMs run a single k-block into rows spread over the image.
    g.c = job.tile;
    g.ldc = job.kern->nr;
    kernel(g);
    store_scattered(job.tile, job.kern->nr, m_valid, n_valid, c, job.m0 + ir, n0);
  }
}

void run_block(const BlockJob& job) {
  const GemmKernel& kern = *job.kern;
  const int mr = kern.mr;
  const int nr = kern.nr;
  const MicroKernel micro = job.a.k_major ? kern.a_kmajor : kern.a_rows;
  const bool scattered = job.c->row_offsets != nullptr;

  const i64 full_rows = job.mc / mr * mr;
  const int rest = static_cast<int>(job.mc - full_rows);
  // The last, partial row panel: plain rows go through a kernel of just that many rows (over
  // several panels at once where the output is not scattered through the one-panel scratch
  // tile); k-major ones are copied into a zero-padded panel for the full tile.
  const bool short_tail = !job.a.k_major;
  ABlock tail{};
  if (rest > 0 && !short_tail) tail = pad_rows(job.a, full_rows, rest, mr, job.kc, job.pad);
  if (rest > 0 && short_tail) {
    tail = job.a;
    tail.data += full_rows * job.a.ld;
  }
  const int group = rest > 0 && short_tail && !scattered ? kern.short_panels[rest - 1] : 1;

  // Groups of panels: the full tiles of each panel, then the partial row panel across the group
  // while its panels are still in the caches.
  for (i64 g0 = job.n_begin; g0 < job.n_end; g0 += group * nr) {
    const i64 g1 = std::min(job.n_end, g0 + group * nr);
    for (i64 n0 = g0; n0 < g1; n0 += nr) {
      const int n_valid = static_cast<int>(std::min<i64>(nr, g1 - n0));
      for (i64 ir = 0; ir < full_rows; ir += mr) {
        ABlock a = job.a;
        a.data += job.a.k_major ? ir : ir * job.a.ld;
        run_tile(job, micro, a, ir, mr, n0, n_valid);
      }
      if (rest > 0 && group == 1) {
        run_tile(job, short_tail ? kern.short_rows[rest - 1] : micro, tail, full_rows, rest, n0,
                 n_valid);
      }
    }
    if (rest == 0 || group == 1) continue;
    if (ceil_div(g1 - g0, nr) == group) {
      run_tile(job, kern.short_rows_wide[rest - 1], tail, full_rows, rest, g0,
               static_cast<int>(g1 - g0));
    } else {  // fewer panels left than a group: one at a time
      for (i64 n0 = g0; n0 < g1; n0 += nr) {
        run_tile(job, kern.short_rows[rest - 1], tail, full_rows, rest, n0,
                 static_cast<int>(std::min<i64>(nr, g1 - n0)));
      }
    }
  }
}

// Rows of A at or below which a plain (untransposed) product skips packing: a batch-1 dense layer
// would spend more time copying B into panels than multiplying it once.
constexpr i64 kFewRows = 4;

// C = A @ B (+ bias, activation) row by row, straight from B's rows: one pass over B per row.
void few_rows(const IsaKernels& isa, i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b,
              i64 ldb, float* c, i64 ldc, const Epilogue& ep) {
  isa.rnn.small_product(m, n, k, a, lda, b, ldb, c, ldc);
  for (i64 r = 0; r < m; ++r) {
    float* out = c + r * ldc;
    if (ep.bias != nullptr) {
      for (i64 j = 0; j < n; ++j) out[j] += ep.bias[j];
    }
    if (ep.act != Activation::linear) isa.activate(ep.act, out, out, n);
  }
}

}  // namespace

void gemm(i64 m, i64 n, i64 k, const ASource& a, const BSource& b, const Output& c,
          const Epilogue& ep, const Options& opt) {
  if (m <= 0 || n <= 0) return;
  const IsaKernels& isa = active_isa();
  if (c.row_offsets != nullptr && opt.beta != 0.0f) {
    throw std::invalid_argument("gemm: a scattered output (row_offsets) needs beta == 0");
  }
  if (k <= 0) {
    scale_only(isa, m, n, c, ep, opt.beta);
    return;
  }
  const GemmKernel& kern = pick_kernel(isa, n);
  Plan plan = make_plan(kern, m, n, k, opt.parallel);
  // A scattered output is written through a scratch tile, which cannot carry C across k-blocks
  // or read it for beta: such products run as one k-block.
  if (c.row_offsets != nullptr) {
    plan.kblocks = 1;
    plan.kc = k;
  }
  const int mr = kern.mr;
  const int nr = kern.nr;
  const i64 block_floats = plan.kc * plan.nc;  // one k-block of packed B
  float* bpack = thread_workspace(WorkspaceSlot::gemm_b, plan.kblocks * block_floats);
  const bool cache_act = is_cache_activation(ep.act);

  for (i64 jc = 0; jc < n; jc += plan.nc) {
    const i64 nc = std::min(plan.nc, n - jc);
    const i64 panels = ceil_div(nc, nr);
    // Pack B for every k-block, cooperatively: contiguous runs of panels.
    parallel_range(0, panels, plan.threads, [&](i64 p0, i64 p1) {
      for (i64 kb = 0; kb < plan.kblocks; ++kb) {
        const i64 pc = kb * plan.kc;
        const i64 kc = std::min(plan.kc, k - pc);
        b.pack(pc, kc, jc + p0 * nr, std::min(nc, p1 * nr) - p0 * nr, nr,
               bpack + kb * block_floats + p0 * kc * nr);
      }
    });
    // Then each (row block, column split) is a task, claimed by whichever thread is free.
    const i64 tasks = plan.row_blocks * plan.splits;
    parallel_tasks(tasks, plan.threads, [&](i64 task) {
      float* abuf = thread_workspace(WorkspaceSlot::gemm_a, (plan.mc + mr) * plan.kc);
      float* tile = thread_workspace(WorkspaceSlot::gemm_tile, static_cast<i64>(mr) * nr);
      const i64 block = task / plan.splits;
      const i64 split = task % plan.splits;
      const i64 p0 = panels * split / plan.splits;
      const i64 p1 = panels * (split + 1) / plan.splits;
      if (p0 == p1) return;
      BlockJob job{};
      job.kern = &kern;
      job.c = &c;
      job.m0 = block * plan.mc;
      job.mc = std::min(plan.mc, m - job.m0);
      job.n_begin = jc + p0 * nr;
      job.n_end = std::min(jc + p1 * nr, n);
      job.pad = abuf + plan.mc * plan.kc;
      job.tile = tile;
      job.alpha = opt.alpha;
      for (i64 kb = 0; kb < plan.kblocks; ++kb) {
        const i64 pc = kb * plan.kc;
        job.kc = std::min(plan.kc, k - pc);
        job.a = a.rows(job.m0, job.mc, pc, job.kc, abuf);
        job.bpack = bpack + kb * block_floats + p0 * job.kc * nr;
        job.beta = kb == 0 ? opt.beta : 1.0f;
        const bool last = kb + 1 == plan.kblocks;
        job.bias = last ? ep.bias : nullptr;
        job.relu = last && ep.act == Activation::relu;
        run_block(job);
      }
      if (cache_act) {  // tanh / sigmoid while the block is still in cache
        const i64 width = job.n_end - job.n_begin;
        if (c.row_offsets == nullptr && width == n && c.ld == n) {
          // Whole rows, back to back: one call, not one per (possibly 6-wide) row.
          float* out = c.data + job.m0 * n;
          isa.activate(ep.act, out, out, job.mc * n);
        } else {
          for (i64 r = 0; r < job.mc; ++r) {
            float* out = row_of(c, job.m0 + r) + job.n_begin;
            isa.activate(ep.act, out, out, width);
          }
        }
      }
    });
  }
}

PackedB::~PackedB() { std::free(data_); }

int PackedB::panel_width() const { return kern_ != nullptr ? kern_->nr : 1; }

int PackedB::tile_rows() const { return kern_ != nullptr ? kern_->mr : 1; }

void PackedB::pack(const BSource& b, i64 k, i64 n) {
  kern_ = &pick_kernel(active_isa(), n);
  k_ = k;
  n_ = n;
  kblocks_ = ceil_div(k, kern_->kc);
  kc_ = ceil_div(k, kblocks_);
  const i64 nc = round_up(n, kern_->nr);
  block_floats_ = kc_ * nc;
  std::free(data_);
  const std::size_t bytes = static_cast<std::size_t>(round_up(kblocks_ * block_floats_ * 4, 64));
  data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (data_ == nullptr) throw std::bad_alloc();
  for (i64 kb = 0; kb < kblocks_; ++kb) {
    const i64 pc = kb * kc_;
    b.pack(pc, std::min(kc_, k - pc), 0, n, kern_->nr, data_ + kb * block_floats_);
  }
}

void gemm_packed_columns(i64 m, i64 n0, i64 n1, const ASource& a, const PackedB& b, const Output& c,
                         const Epilogue& ep, float alpha, float beta) {
  if (m <= 0 || n1 <= n0) return;
  const GemmKernel& kern = *b.kern_;
  const int nr = kern.nr;
  if (n0 % nr != 0) throw std::invalid_argument("gemm_packed_columns: n0 off a panel boundary");
  const i64 mc_max = kern.mc;
  float* abuf = thread_workspace(WorkspaceSlot::gemm_a, (mc_max + kern.mr) * b.kc_);
  float* tile = thread_workspace(WorkspaceSlot::gemm_tile, static_cast<i64>(kern.mr) * nr);
  const i64 p0 = n0 / nr;
  for (i64 m0 = 0; m0 < m; m0 += mc_max) {
    BlockJob job{};
    job.kern = &kern;
    job.c = &c;
    job.m0 = m0;
    job.mc = std::min(mc_max, m - m0);
    job.n_begin = n0;
    job.n_end = n1;
    job.pad = abuf + mc_max * b.kc_;
    job.tile = tile;
    job.alpha = alpha;
    for (i64 kb = 0; kb < b.kblocks_; ++kb) {
      const i64 pc = kb * b.kc_;
      job.kc = std::min(b.kc_, b.k_ - pc);
      job.a = a.rows(job.m0, job.mc, pc, job.kc, abuf);
      job.bpack = b.data_ + kb * b.block_floats_ + p0 * job.kc * nr;
      job.beta = kb == 0 ? beta : 1.0f;
      const bool last = kb + 1 == b.kblocks_;
      job.bias = last ? ep.bias : nullptr;
      job.relu = last && ep.act == Activation::relu;
      run_block(job);
    }
    if (is_cache_activation(ep.act)) {
      for (i64 r = 0; r < job.mc; ++r) {
        float* out = row_of(c, m0 + r) + n0;
        active_isa().activate(ep.act, out, out, n1 - n0);
      }
    }
  }
}

double tile_efficiency(i64 m, i64 n) {
  const GemmKernel& kern = pick_kernel(active_isa(), n);
  return static_cast<double>(m) / static_cast<double>(round_up(m, kern.mr)) *
         static_cast<double>(n) / static_cast<double>(round_up(n, kern.nr));
}

void gemm(bool trans_a, bool trans_b, i64 m, i64 n, i64 k, float alpha, const float* a, i64 lda,
          const float* b, i64 ldb, float beta, float* c, i64 ldc, const Epilogue& epilogue,
          bool parallel) {
  if (!trans_a && !trans_b && m <= kFewRows && k > 0 && n > 0 && alpha == 1.0f && beta == 0.0f) {
    few_rows(active_isa(), m, n, k, a, lda, b, ldb, c, ldc, epilogue);
    return;
  }
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
