// Kernel table for the avx512 family: AVX-512F, an 8x32 tile (16 zmm accumulators) and a 12x16
// narrow tile. CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include <immintrin.h>

#define EMBER_ISA_NAME avx512
#define EMBER_VW 16
#define EMBER_WIDE 8, 32, 192, 192, 3072  // mr, nr, kc, mc, nc
#define EMBER_NARROW 12, 16, 256, 192, 3072
#include "gemm/isa_unit.inc"
