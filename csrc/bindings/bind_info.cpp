// Build introspection, thread control and ISA selection.
#include <pybind11/stl.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "bindings/args.h"
#include "bindings/kernel_tables.h"
#include "common/parallel.h"
#include "gemm/isa.h"

namespace ember::bindings {
namespace {

std::string compiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

py::dict build_info() {
  py::dict d;
  d["version"] = EMBER_VERSION;
  d["compiler"] = compiler();
  d["openmp"] = false;  // kernels run on ember's own thread team (common/parallel.h says why)
  d["threading"] = "ember";
  d["isa"] = active_isa().name;
  d["supported_isas"] = supported_isas();
  d["threads"] = num_threads();
  d["cuda"] = static_cast<bool>(EMBER_WITH_CUDA);
  const IsaKernels& isa = active_isa();
  d["gemm_tile"] = py::make_tuple(isa.wide.mr, isa.wide.nr);
  return d;
}

// FP32 FMA throughput of this machine with the current thread count, in GFLOP/s: every thread
// runs register-only FMA chains of the active ISA for about `seconds`.
double measure_peak_gflops(double seconds) {
  const IsaKernels& isa = active_isa();
  const int threads = num_threads();
  i64 iterations = 1 << 16;
  double flops = 0.0, elapsed = 0.0;
  while (true) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<double> per_task(static_cast<std::size_t>(threads), 0.0);
    parallel_tasks(threads, threads, [&](i64 t) {
      per_task[static_cast<std::size_t>(t)] = isa.fma_probe(iterations);
    });
    double done = 0.0;
    for (double d : per_task) done += d;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    flops = done;
    if (elapsed >= seconds || iterations > (i64{1} << 40)) break;
    iterations *= 2;
  }
  return flops / elapsed * 1e-9;
}

}  // namespace

void bind_info(py::module_& m) {
  m.def("build_info", &build_info,
        "Dict describing this build: version, compiler, openmp, isa (micro-kernel family in "
        "use), supported_isas, threads, cuda, gemm_tile.");
  m.def("get_num_threads", &num_threads, "Threads ember's kernels use.");
  m.def(
      "set_num_threads",
      [](py::handle n) {
        const i64 v = to_i64(n, "set_num_threads", "n");
        if (v < 1) {
          throw py::value_error("set_num_threads: n must be >= 1, received " + std::to_string(v));
        }
        set_num_threads(static_cast<int>(std::min<i64>(v, 1 << 16)));
      },
      py::arg("n"), "Sets the number of threads of ember's one thread team.");
  m.def(
      "set_isa", [](const std::string& name) { select_isa(name); }, py::arg("name"),
      "Switches the kernel family ('generic', 'avx2', 'avx512'); ValueError if unsupported.");
  m.def("supported_isas", &supported_isas, "Kernel families this CPU can run, best last.");
  m.def(
      "measure_peak_gflops",
      [](double seconds) {
        py::gil_scoped_release release;
        return measure_peak_gflops(seconds);
      },
      py::arg("seconds") = 0.2,
      "Measured FP32 FMA peak in GFLOP/s with the current ISA and thread count.");
}

}  // namespace ember::bindings
