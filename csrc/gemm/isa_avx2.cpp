// Kernel table for the avx2 family: AVX2 + FMA: 6x16 tile = 12 ymm accumulators.
// CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include "gemm/isa_table.h"

#define EMBER_VW 8
#define EMBER_MR 6
#define EMBER_NR 16

namespace ember {
namespace isa_avx2_impl {
namespace {
#include "gemm/microkernel.inc"
#include "gemm/simd.inc"
#include "gemm/vecmath.inc"
}  // namespace
}  // namespace isa_avx2_impl

const IsaKernels& isa_avx2() {
  static const IsaKernels table = {"avx2",
                                   6,
                                   16,
                                   /*kc=*/256,
                                   /*mc=*/192,
                                   /*nc=*/3072,
                                   isa_avx2_impl::microkernel,
                                   isa_avx2_impl::activate,
                                   isa_avx2_impl::fma_probe};
  return table;
}

}  // namespace ember
