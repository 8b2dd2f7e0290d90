// Kernel table for the generic family: portable C++ (SSE2 on x86-64, NEON on Arm).
// CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include "gemm/isa_table.h"

#define EMBER_VW 4
#define EMBER_MR 4
#define EMBER_NR 8

namespace ember {
namespace isa_generic_impl {
namespace {
#include "gemm/microkernel.inc"
#include "gemm/simd.inc"
#include "gemm/vecmath.inc"
}  // namespace
}  // namespace isa_generic_impl

const IsaKernels& isa_generic() {
  static const IsaKernels table = {"generic",
                                   4,
                                   8,
                                   /*kc=*/256,
                                   /*mc=*/128,
                                   /*nc=*/2048,
                                   isa_generic_impl::microkernel,
                                   isa_generic_impl::activate,
                                   isa_generic_impl::fma_probe};
  return table;
}

}  // namespace ember
