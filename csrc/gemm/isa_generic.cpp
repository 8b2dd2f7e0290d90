// Kernel table for the generic family: portable C++ (SSE2 on x86-64, NEON on Arm), 4x8 and 8x4
// tiles. CMakeLists.txt compiles this unit with the family's instruction-set flags.

#define EMBER_ISA_NAME generic
#define EMBER_VW 4
#define EMBER_WIDE 4, 8, 256, 128, 2048  // mr, nr, kc, mc, nc
#define EMBER_NARROW 8, 4, 256, 128, 2048
#include "gemm/isa_unit.inc"
