// Kernel table for the avx512_emulated family: tests only. The avx512 family's tiles and 16-lane
// vector math compiled for AVX2 (each vector becomes two ymm registers), so a machine without
// AVX-512 runs the same source logic; never chosen by default. CMakeLists.txt compiles this unit
// with the family's instruction-set flags.
#include <immintrin.h>

#define EMBER_ISA_NAME avx512_emulated
#define EMBER_VW 16
#define EMBER_WIDE 8, 32, 192, 192, 3072  // mr, nr, kc, mc, nc
#define EMBER_NARROW 12, 16, 256, 192, 3072
#include "gemm/isa_unit.inc"
