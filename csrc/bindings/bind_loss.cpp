// Fused losses on logits: softmax cross-entropy (integer labels or dense targets) and sigmoid
// cross-entropy, forward and backward.
#include <pybind11/numpy.h>

#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"

namespace ember::bindings {
namespace {

using Int64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// Softmax targets: integer labels (rows,) or dense float weights (rows, classes).
struct Targets {
  bool labels = false;
  Int64 index;
  Float32 dense;
};

Targets parse_targets(py::handle obj, i64 rows, i64 classes, const std::string& op) {
  py::array raw = as_real_array(obj, op, "targets");
  const char kind = raw.dtype().kind();
  Targets t;
  if (kind == 'i' || kind == 'u') {
    t.labels = true;
    require_shape(shape_of(raw), {rows}, op, "targets",
                  " (integer targets are class labels, one per row of logits; pass one-hot or "
                  "probability targets as floats)");
    t.index = Int64::ensure(raw);
    const std::int64_t* p = t.index.data();
    for (i64 r = 0; r < rows; ++r) {
      if (p[r] < 0 || p[r] >= classes) {
        throw py::value_error(op + ": targets holds label " + std::to_string(p[r]) + " at row " +
                              std::to_string(r) + ", outside [0, " + std::to_string(classes) +
                              ") (the number of classes, the last axis of logits)");
      }
    }
    return t;
  }
  require_shape(shape_of(raw), {rows, classes}, op, "targets",
                " (float targets are per-class weights, the shape of logits)");
  t.dense = to_float32(raw, op, "targets");
  return t;
}

// (rows, classes) of a rank-2 logits or probabilities array with classes >= 1.
std::pair<i64, i64> class_rows(const py::array& a, const std::string& op, const char* name) {
  require_rank(a, 2, op, name, "(batch, classes)");
  const Shape s = shape_of(a);
  if (s[1] < 1) {
    throw py::value_error(op + ": " + name + " must have at least 1 class, received shape " +
                          shape_str(s));
  }
  return {s[0], s[1]};
}

py::tuple softmax_forward(const LossKernels& k, py::handle logits_obj, py::handle targets_obj) {
  const std::string op = "softmax_xent_forward";
  py::array raw = as_real_array(logits_obj, op, "logits");
  const auto [rows, classes] = class_rows(raw, op, "logits");
  Targets t = parse_targets(targets_obj, rows, classes, op);
  Float32 logits = to_float32(raw, op, "logits");
  Float32 loss = float_output({rows}, py::none(), op);
  Float32 probs = float_output({rows, classes}, py::none(), op);
  const float* xp = logits.data();
  const std::int64_t* lp = t.labels ? t.index.data() : nullptr;
  const float* tp = t.labels ? nullptr : t.dense.data();
  float* loss_p = loss.mutable_data();
  float* pp = probs.mutable_data();
  {
    py::gil_scoped_release release;
    if (lp != nullptr) {
      k.softmax_forward_labels(xp, lp, rows, classes, loss_p, pp);
    } else {
      k.softmax_forward_dense(xp, tp, rows, classes, loss_p, pp);
    }
  }
  return py::make_tuple(loss, probs);
}

py::array softmax_backward(const LossKernels& k, py::handle probs_obj, py::handle targets_obj,
                           py::handle dloss_obj, py::handle out) {
  const std::string op = "softmax_xent_backward";
  py::array raw = as_real_array(probs_obj, op, "probs");
  const auto [rows, classes] = class_rows(raw, op, "probs");
  Targets t = parse_targets(targets_obj, rows, classes, op);
  py::array dloss_raw = as_real_array(dloss_obj, op, "dloss");
  require_shape(shape_of(dloss_raw), {rows}, op, "dloss", " (one per row of probs)");
  Float32 probs = to_float32(raw, op, "probs");
  Float32 dloss = to_float32(dloss_raw, op, "dloss");
  Float32 dx = float_output({rows, classes}, out, op);
  const float* pp = probs.data();
  const std::int64_t* lp = t.labels ? t.index.data() : nullptr;
  const float* tp = t.labels ? nullptr : t.dense.data();
  const float* gp = dloss.data();
  float* dxp = dx.mutable_data();
  {
    py::gil_scoped_release release;
    if (lp != nullptr) {
      k.softmax_backward_labels(pp, lp, gp, rows, classes, dxp);
    } else {
      k.softmax_backward_dense(pp, tp, gp, rows, classes, dxp);
    }
  }
  return std::move(dx);
}

py::array sigmoid_forward(const LossKernels& k, py::handle logits_obj, py::handle targets_obj,
                          py::handle out) {
  const std::string op = "sigmoid_xent_forward";
  py::array x_raw = as_real_array(logits_obj, op, "logits");
  const Shape shape = shape_of(x_raw);
  py::array t_raw = as_real_array(targets_obj, op, "targets");
  require_shape(shape_of(t_raw), shape, op, "targets", " (the shape of logits)");
  Float32 x = to_float32(x_raw, op, "logits");
  Float32 t = to_float32(t_raw, op, "targets");
  Float32 loss = float_output(shape, out, op);
  const float* xp = x.data();
  const float* tp = t.data();
  float* lp = loss.mutable_data();
  const i64 n = static_cast<i64>(x.size());
  {
    py::gil_scoped_release release;
    k.sigmoid_forward(xp, tp, lp, n);
  }
  return std::move(loss);
}

py::array sigmoid_backward(const LossKernels& k, py::handle logits_obj, py::handle targets_obj,
                           py::handle dloss_obj, py::handle out) {
  const std::string op = "sigmoid_xent_backward";
  py::array x_raw = as_real_array(logits_obj, op, "logits");
  const Shape shape = shape_of(x_raw);
  py::array t_raw = as_real_array(targets_obj, op, "targets");
  require_shape(shape_of(t_raw), shape, op, "targets", " (the shape of logits)");
  py::array g_raw = as_real_array(dloss_obj, op, "dloss");
  require_shape(shape_of(g_raw), shape, op, "dloss", " (the shape of logits)");
  Float32 x = to_float32(x_raw, op, "logits");
  Float32 t = to_float32(t_raw, op, "targets");
  Float32 g = to_float32(g_raw, op, "dloss");
  Float32 dx = float_output(shape, out, op);
  const float* xp = x.data();
  const float* tp = t.data();
  const float* gp = g.data();
  float* dxp = dx.mutable_data();
  const i64 n = static_cast<i64>(x.size());
  {
    py::gil_scoped_release release;
    k.sigmoid_backward(xp, tp, gp, dxp, n);
  }
  return std::move(dx);
}

}  // namespace

void bind_loss(py::module_& m, const LossKernels& k) {
  m.def(
      "softmax_xent_forward",
      [k](py::handle logits, py::handle targets) { return softmax_forward(k, logits, targets); },
      py::arg("logits"), py::arg("targets"),
      "Softmax cross-entropy from logits (N, C) -> (loss (N,), probs (N, C)).\n"
      "targets: integer labels (N,) (any integer dtype, each in [0, C)) or float (N, C)\n"
      "weights such as one-hot rows or probabilities; loss = -sum(t * log_softmax(logits)).");
  m.def(
      "softmax_xent_backward",
      [k](py::handle probs, py::handle targets, py::handle dloss, py::handle out) {
        return softmax_backward(k, probs, targets, dloss, out);
      },
      py::arg("probs"), py::arg("targets"), py::arg("dloss"), py::kw_only(),
      py::arg("out") = py::none(),
      "dlogits = (probs * sum(t) - t) * dloss[:, None] (probs - one_hot for labels), probs\n"
      "from softmax_xent_forward.");
  m.def(
      "sigmoid_xent_forward",
      [k](py::handle logits, py::handle targets, py::handle out) {
        return sigmoid_forward(k, logits, targets, out);
      },
      py::arg("logits"), py::arg("targets"), py::kw_only(), py::arg("out") = py::none(),
      "Elementwise max(x, 0) - x * t + log1p(exp(-|x|)): binary cross-entropy from logits.");
  m.def(
      "sigmoid_xent_backward",
      [k](py::handle logits, py::handle targets, py::handle dloss, py::handle out) {
        return sigmoid_backward(k, logits, targets, dloss, out);
      },
      py::arg("logits"), py::arg("targets"), py::arg("dloss"), py::kw_only(),
      py::arg("out") = py::none(), "dlogits = (sigmoid(logits) - targets) * dloss.");
}

}  // namespace ember::bindings
