// Kernel table for the generic family: portable C++ (SSE2 on x86-64, NEON on Arm): 4x8 and 8x4
// tiles. CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include "gemm/isa_table.h"

#define EMBER_VW 4

namespace ember {
namespace isa_generic_impl {
namespace {
// clang-format off: the order matters (vocabulary, then kernels, then vector math)
#include "gemm/simd.inc"
#include "gemm/microkernel.inc"
#include "gemm/vecmath.inc"
// clang-format on
}  // namespace
}  // namespace isa_generic_impl

const IsaKernels& isa_generic() {
  using namespace isa_generic_impl;
  // {mr, nr, kc, mc, nc, A as rows, A k-major}
  static const IsaKernels table = {
      "generic",
      {4, 8, 256, 128, 2048, microkernel<4, 8, false>, microkernel<4, 8, true>},
      {8, 4, 256, 128, 2048, microkernel<8, 4, false>, microkernel<8, 4, true>},
      activate,
      fma_probe};
  return table;
}

}  // namespace ember
