// Instruction-set dispatch: the kernel table in use is chosen once at import (the best family the
// CPU supports, or the one EMBER_ISA names) and can be switched for tests.
#pragma once

#include <string>
#include <vector>

#include "gemm/isa_table.h"

namespace ember {

// The table in use.
const IsaKernels& active_isa();
// Switches the table; throws std::invalid_argument for an unknown name or one this CPU lacks.
void select_isa(const std::string& name);
// Families this CPU can run, best last.
std::vector<std::string> supported_isas();
// Applies EMBER_ISA from the environment if set (called once at import).
void select_isa_from_environment();

}  // namespace ember
