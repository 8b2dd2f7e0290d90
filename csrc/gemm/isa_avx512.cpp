// Kernel table for the avx512 family: AVX-512F: 8x32 tile = 16 zmm accumulators; 8 row pointers fit
// the GPRs. CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include "gemm/isa_table.h"

#define EMBER_VW 16
#define EMBER_MR 8
#define EMBER_NR 32

namespace ember {
namespace isa_avx512_impl {
namespace {
#include "gemm/microkernel.inc"
#include "gemm/simd.inc"
#include "gemm/vecmath.inc"
}  // namespace
}  // namespace isa_avx512_impl

const IsaKernels& isa_avx512() {
  static const IsaKernels table = {"avx512",
                                   8,
                                   32,
                                   /*kc=*/192,
                                   /*mc=*/192,
                                   /*nc=*/3072,
                                   isa_avx512_impl::microkernel,
                                   isa_avx512_impl::activate,
                                   isa_avx512_impl::fma_probe};
  return table;
}

}  // namespace ember
