#include "gemm/isa.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace ember {
namespace {

bool cpu_supports(const std::string& name) {
  if (name == "generic") return true;
#if EMBER_X86
  __builtin_cpu_init();
  // GCC's checks also confirm the OS saves the wider registers (XGETBV), not just CPUID bits.
  if (name == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (name == "avx512_emulated") return cpu_supports("avx2");
  if (name == "avx512") {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
  }
#endif
  return false;
}

const IsaKernels* table_for(const std::string& name) {
  if (name == "generic") return &isa_generic();
#if EMBER_X86
  if (name == "avx2") return &isa_avx2();
  if (name == "avx512") return &isa_avx512();
  if (name == "avx512_emulated") return &isa_avx512_emulated();
#endif
  return nullptr;
}

const IsaKernels* best_table() {
  std::vector<std::string> names = supported_isas();
  return table_for(names.back());
}

std::atomic<const IsaKernels*>& active() {
  static std::atomic<const IsaKernels*> table{best_table()};
  return table;
}

}  // namespace

std::vector<std::string> supported_isas() {
  std::vector<std::string> out;
  for (const char* name : {"generic", "avx2", "avx512"}) {
    if (cpu_supports(name)) out.emplace_back(name);
  }
  return out;
}

const IsaKernels& active_isa() { return *active().load(std::memory_order_acquire); }

void select_isa(const std::string& name) {
  if (name != "generic" && name != "avx2" && name != "avx512" && name != "avx512_emulated") {
    throw std::invalid_argument("EMBER_ISA: expected one of generic, avx2, avx512; received '" +
                                name + "'");
  }
  // Ask the CPU first: nothing from an unsupported unit may run, not even its table lookup.
  const IsaKernels* table = cpu_supports(name) ? table_for(name) : nullptr;
  if (table == nullptr) {
    std::string have;
    for (const std::string& s : supported_isas()) have += (have.empty() ? "" : ", ") + s;
    throw std::invalid_argument("EMBER_ISA: this CPU does not support '" + name +
                                "'; supported here: " + have);
  }
  active().store(table, std::memory_order_release);
}

void select_isa_from_environment() {
  const char* env = std::getenv("EMBER_ISA");
  if (env != nullptr && env[0] != '\0') select_isa(env);
}

}  // namespace ember
