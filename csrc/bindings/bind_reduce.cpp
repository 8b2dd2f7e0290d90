// column_sums: the fixed-order chunked reduction of kernels/reduce.h.
#include <pybind11/numpy.h>

#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"

namespace ember::bindings {

void bind_reduce(py::module_& m, const ReduceKernels& k) {
  m.def(
      "column_sums",
      [k](py::handle x_obj, py::handle out) {
        const std::string op = "column_sums";
        py::array raw = as_real_array(x_obj, op, "x");
        require_rank(raw, 2, op, "x", "(rows, cols)");
        const Shape shape = shape_of(raw);
        Float32 x = to_float32(raw, op, "x");
        Float32 y = float_output({shape[1]}, out, op);
        const float* xp = x.data();
        float* yp = y.mutable_data();
        if (shape[1] > 0) {
          py::gil_scoped_release release;
          k.column_sums(xp, shape[0], shape[1], yp);
        }
        return y;
      },
      py::arg("x"), py::kw_only(), py::arg("out") = py::none(),
      "Sums over the rows of a (rows, cols) array -> (cols,), in a fixed order (the result does\n"
      "not depend on the thread count).");
}

}  // namespace ember::bindings
