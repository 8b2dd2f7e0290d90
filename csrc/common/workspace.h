// Grow-only, 64-byte aligned scratch buffers owned by each thread. Kernels ask for packing and
// partial-sum space here instead of allocating per call, so steady-state training allocates
// nothing in the hot path.
#pragma once

#include <cstddef>

#include "common/types.h"

namespace ember {

enum class WorkspaceSlot : int { gemm_a = 0, gemm_b, gemm_tile, kernel0, kernel1, kernel2, count };

// At least `n` floats, 64-byte aligned, valid until the same thread asks for the same slot again.
float* thread_workspace(WorkspaceSlot slot, i64 n);

}  // namespace ember
