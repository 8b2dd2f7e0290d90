// ember._C.gemm / ember._C.ref.gemm: the GEMM engine on dense row-major matrices.
#include <pybind11/numpy.h>

#include "bindings/args.h"
#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"
#include "gemm/gemm.h"

namespace ember::bindings {
namespace {

const std::string kOp = "gemm";

py::array gemm(py::handle a_obj, py::handle b_obj, bool trans_a, bool trans_b, float alpha,
               float beta, py::handle c_obj, py::handle bias_obj, py::handle activation,
               bool reference) {
  py::array a_raw = as_real_array(a_obj, kOp, "a");
  py::array b_raw = as_real_array(b_obj, kOp, "b");
  require_rank(a_raw, 2, kOp, "a", "(rows, cols)");
  require_rank(b_raw, 2, kOp, "b", "(rows, cols)");
  const Shape as = shape_of(a_raw), bs = shape_of(b_raw);
  const i64 m = trans_a ? as[1] : as[0];
  const i64 k = trans_a ? as[0] : as[1];
  const i64 kb = trans_b ? bs[1] : bs[0];
  const i64 n = trans_b ? bs[0] : bs[1];
  if (k != kb) {
    throw py::value_error("gemm: inner dimensions differ: op(a) is " + shape_str({m, k}) +
                          " and op(b) is " + shape_str({kb, n}));
  }
  if (m < 1 || n < 1 || k < 1) {
    throw py::value_error("gemm: every dimension must be >= 1; received op(a) " +
                          shape_str({m, k}) + ", op(b) " + shape_str({kb, n}));
  }
  const Activation act = parse_activation(activation, kOp);
  if (c_obj.is_none() && beta != 0.0f) {
    throw py::value_error("gemm: beta is " + std::to_string(beta) + " but no c was given");
  }
  Float32 bias;  // a default array_t is an empty array, not null: test bias_obj instead
  if (!bias_obj.is_none()) {
    py::array raw = as_real_array(bias_obj, kOp, "bias");
    if (shape_of(raw) != Shape{n}) {
      throw py::value_error("gemm: bias must have shape " + shape_str({n}) + ", received " +
                            shape_str(shape_of(raw)));
    }
    bias = to_float32(raw, kOp, "bias");
  }
  Float32 a = to_float32(a_raw, kOp, "a");
  Float32 b = to_float32(b_raw, kOp, "b");
  Float32 c = float_output({m, n}, c_obj, kOp);
  const float* ap = a.data();
  const float* bp = b.data();
  const float* biasp = bias_obj.is_none() ? nullptr : bias.data();
  float* cp = c.mutable_data();
  const i64 lda = as[1], ldb = bs[1];
  {
    py::gil_scoped_release release;
    if (reference) {
      ref::gemm(trans_a, trans_b, m, n, k, alpha, ap, lda, bp, ldb, beta, cp, n, biasp, act);
    } else {
      gemm::Epilogue ep;
      ep.bias = biasp;
      ep.act = act;
      gemm::gemm(trans_a, trans_b, m, n, k, alpha, ap, lda, bp, ldb, beta, cp, n, ep);
    }
  }
  return std::move(c);
}

}  // namespace

void bind_gemm(py::module_& m, bool reference) {
  m.def(
      "gemm",
      [reference](py::handle a, py::handle b, bool trans_a, bool trans_b, float alpha, float beta,
                  py::handle c, py::handle bias, py::handle activation) {
        return gemm(a, b, trans_a, trans_b, alpha, beta, c, bias, activation, reference);
      },
      py::arg("a"), py::arg("b"), py::kw_only(), py::arg("trans_a") = false,
      py::arg("trans_b") = false, py::arg("alpha") = 1.0f, py::arg("beta") = 0.0f,
      py::arg("c") = py::none(), py::arg("bias") = py::none(), py::arg("activation") = py::none(),
      "C = activation(alpha * op(a) @ op(b) + beta * C + bias), float32 row-major.\n"
      "c, when given, must be a C-contiguous float32 (M, N) array and is updated in place;\n"
      "with beta == 0 it is only written.");
}

}  // namespace ember::bindings
