// Kernel table for the avx2 family: AVX2 + FMA, a 6x16 tile (12 ymm accumulators) and a 12x8 narrow
// tile. CMakeLists.txt compiles this unit with the family's instruction-set flags.
#include <immintrin.h>

#define EMBER_ISA_NAME avx2
#define EMBER_VW 8
#define EMBER_WIDE 6, 16, 256, 192, 3072  // mr, nr, kc, mc, nc
#define EMBER_NARROW 12, 8, 256, 240, 3072
#include "gemm/isa_unit.inc"
