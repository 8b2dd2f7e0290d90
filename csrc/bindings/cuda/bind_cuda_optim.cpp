// Optimizer updates over lists of device arrays, in place (the arguments and checks of
// csrc/bindings/bind_optim.cpp): every list is validated before anything is modified.
#include <pybind11/stl.h>

#include <cmath>
#include <set>

#include "bindings/args.h"
#include "bindings/cuda/device_array.h"
#include "bindings/cuda/modules.h"
#include "cuda/kernels.h"

namespace ember::cuda_bindings {
namespace {

std::string num(double v) { return std::string(py::str(py::float_(v))); }

struct List {
  std::vector<float*> data;
  std::vector<i64> sizes;
  std::vector<Shape> shapes;
  TensorList tensors() const { return {static_cast<i64>(data.size()), sizes.data()}; }
  float* const* ptrs() const { return data.data(); }
};

// A list or tuple of float32 device arrays; with `like`, as many as it holds, shaped alike.
List device_list(py::handle obj, const std::string& op, const char* name,
                 const List* like = nullptr, const char* like_name = nullptr) {
  if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
    throw py::type_error(op + ": " + name + " must be a list of cuda arrays, received " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
  if (like != nullptr && seq.size() != like->data.size()) {
    throw py::value_error(op + ": " + name + " has " + std::to_string(seq.size()) + " arrays but " +
                          like_name + " has " + std::to_string(like->data.size()));
  }
  List out;
  std::size_t i = 0;
  for (py::handle item : seq) {
    const std::string label = std::string(name) + "[" + std::to_string(i) + "]";
    const DeviceArray& a = float_arg(item, op, label.c_str());
    if (like != nullptr) require_shape(a.shape(), like->shapes[i], op, label.c_str());
    out.data.push_back(a.f32());
    out.sizes.push_back(a.size());
    out.shapes.push_back(a.shape());
    ++i;
  }
  return out;
}

// Arrays updated in place must not share memory (an update would read what it already wrote).
void require_disjoint(std::initializer_list<std::pair<const List*, const char*>> lists,
                      const std::string& op) {
  std::set<const float*> seen;
  for (const auto& [list, name] : lists) {
    if (list == nullptr) continue;
    for (const float* p : list->data) {
      if (p != nullptr && !seen.insert(p).second) {
        throw py::value_error(op + ": " + name + " shares memory with another array being updated");
      }
    }
  }
}

void require_unit(double v, const std::string& op, const char* name) {
  if (!(v >= 0.0 && v < 1.0)) {
    throw py::value_error(op + ": " + name + " must be in [0, 1), received " + num(v));
  }
}

void sgd(py::handle params_obj, py::handle grads_obj, py::handle velocities_obj, double lr,
         double momentum, bool nesterov) {
  const std::string op = "sgd_update";
  const List params = device_list(params_obj, op, "params");
  const List grads = device_list(grads_obj, op, "grads", &params, "params");
  List vel;
  const bool has_vel = !velocities_obj.is_none();
  if (has_vel) vel = device_list(velocities_obj, op, "velocities", &params, "params");
  require_disjoint({{&params, "params"}, {has_vel ? &vel : nullptr, "velocities"}}, op);
  const SgdHyper h{static_cast<float>(lr), static_cast<float>(momentum), nesterov};
  py::gil_scoped_release release;
  cuda::sgd_update(params.tensors(), params.ptrs(), grads.ptrs(), has_vel ? vel.ptrs() : nullptr,
                   h);
}

void adam(py::handle params_obj, py::handle grads_obj, py::handle m_obj, py::handle v_obj,
          py::handle vhat_obj, double lr, double beta1, double beta2, double epsilon,
          py::handle step_obj) {
  const std::string op = "adam_update";
  const i64 step = bindings::to_i64(step_obj, op, "step");
  if (step < 1) {
    throw py::value_error(op + ": step must be >= 1 (the 1-based iteration count), received " +
                          std::to_string(step));
  }
  require_unit(beta1, op, "beta1");
  require_unit(beta2, op, "beta2");
  const List params = device_list(params_obj, op, "params");
  const List grads = device_list(grads_obj, op, "grads", &params, "params");
  const List m = device_list(m_obj, op, "m", &params, "params");
  const List v = device_list(v_obj, op, "v", &params, "params");
  List vhat;
  const bool amsgrad = !vhat_obj.is_none();
  if (amsgrad) vhat = device_list(vhat_obj, op, "vhat", &params, "params");
  require_disjoint({{&params, "params"}, {&m, "m"}, {&v, "v"}, {amsgrad ? &vhat : nullptr, "vhat"}},
                   op);
  const AdamHyper h = adam_hyper(lr, beta1, beta2, epsilon, step);
  py::gil_scoped_release release;
  cuda::adam_update(params.tensors(), params.ptrs(), grads.ptrs(), m.ptrs(), v.ptrs(),
                    amsgrad ? vhat.ptrs() : nullptr, h);
}

void rmsprop(py::handle params_obj, py::handle grads_obj, py::handle velocity_obj,
             py::handle momentum_obj, py::handle average_obj, double lr, double rho,
             double momentum, double epsilon, bool centered) {
  const std::string op = "rmsprop_update";
  if (momentum > 0.0 && momentum_obj.is_none()) {
    throw py::value_error(op + ": momentum is " + num(momentum) +
                          " but momentum_buf is None; pass one zero-initialised array per "
                          "parameter");
  }
  if (centered != !average_obj.is_none()) {
    throw py::value_error(op + ": average_grad must be given exactly when centered=True");
  }
  const List params = device_list(params_obj, op, "params");
  const List grads = device_list(grads_obj, op, "grads", &params, "params");
  const List vel = device_list(velocity_obj, op, "velocity", &params, "params");
  List mom, avg;
  const bool has_mom = !momentum_obj.is_none();
  if (has_mom) mom = device_list(momentum_obj, op, "momentum_buf", &params, "params");
  if (centered) avg = device_list(average_obj, op, "average_grad", &params, "params");
  require_disjoint({{&params, "params"},
                    {&vel, "velocity"},
                    {has_mom ? &mom : nullptr, "momentum_buf"},
                    {centered ? &avg : nullptr, "average_grad"}},
                   op);
  const RmspropHyper h{static_cast<float>(lr), static_cast<float>(rho),
                       static_cast<float>(1.0 - rho), static_cast<float>(momentum),
                       static_cast<float>(epsilon)};
  py::gil_scoped_release release;
  cuda::rmsprop_update(params.tensors(), params.ptrs(), grads.ptrs(), vel.ptrs(),
                       has_mom ? mom.ptrs() : nullptr, centered ? avg.ptrs() : nullptr, h);
}

void adagrad(py::handle params_obj, py::handle grads_obj, py::handle acc_obj, double lr,
             double epsilon) {
  const std::string op = "adagrad_update";
  const List params = device_list(params_obj, op, "params");
  const List grads = device_list(grads_obj, op, "grads", &params, "params");
  const List acc = device_list(acc_obj, op, "accumulators", &params, "params");
  require_disjoint({{&params, "params"}, {&acc, "accumulators"}}, op);
  const AdagradHyper h{static_cast<float>(lr), static_cast<float>(epsilon)};
  py::gil_scoped_release release;
  cuda::adagrad_update(params.tensors(), params.ptrs(), grads.ptrs(), acc.ptrs(), h);
}

}  // namespace

void bind_optim(py::module_& m) {
  m.def("sgd_update", &sgd, py::arg("params"), py::arg("grads"), py::arg("velocities"),
        py::kw_only(), py::arg("lr"), py::arg("momentum"), py::arg("nesterov"),
        "Keras SGD step on every parameter, in place (ember._C.sgd_update on the device).");
  m.def("adam_update", &adam, py::arg("params"), py::arg("grads"), py::arg("m"), py::arg("v"),
        py::arg("vhat"), py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"),
        py::arg("epsilon"), py::arg("step"),
        "Keras Adam step, in place (ember._C.adam_update on the device).");
  m.def("rmsprop_update", &rmsprop, py::arg("params"), py::arg("grads"), py::arg("velocity"),
        py::arg("momentum_buf"), py::arg("average_grad"), py::kw_only(), py::arg("lr"),
        py::arg("rho"), py::arg("momentum"), py::arg("epsilon"), py::arg("centered"),
        "Keras RMSprop step, in place.");
  m.def("adagrad_update", &adagrad, py::arg("params"), py::arg("grads"), py::arg("accumulators"),
        py::kw_only(), py::arg("lr"), py::arg("epsilon"), "Keras Adagrad step, in place.");
  m.def(
      "weight_decay_",
      [](py::handle params_obj, double factor) {
        const std::string op = "weight_decay_";
        const List params = device_list(params_obj, op, "params");
        require_disjoint({{&params, "params"}}, op);
        py::gil_scoped_release release;
        cuda::weight_decay(params.tensors(), params.ptrs(), static_cast<float>(factor));
      },
      py::arg("params"), py::kw_only(), py::arg("factor"), "p -= p * factor in place.");
  m.def(
      "global_norm",
      [](py::handle arrays_obj) {
        const List arrays = device_list(arrays_obj, "global_norm", "arrays");
        py::gil_scoped_release release;
        return cuda::global_norm(arrays.tensors(), arrays.ptrs());
      },
      py::arg("arrays"),
      "sqrt(sum of squares over every element of every array), in double, in a fixed order.");
  m.def(
      "scale_",
      [](py::handle arrays_obj, double factor) {
        const std::string op = "scale_";
        const List arrays = device_list(arrays_obj, op, "arrays");
        require_disjoint({{&arrays, "arrays"}}, op);
        py::gil_scoped_release release;
        cuda::scale_arrays(arrays.tensors(), arrays.ptrs(), static_cast<float>(factor));
      },
      py::arg("arrays"), py::arg("factor"), "a *= factor in place for every array.");
  m.def(
      "clip_",
      [](py::handle arrays_obj, double lo, double hi) {
        const std::string op = "clip_";
        if (!(lo <= hi)) {
          throw py::value_error(op + ": lo must be <= hi, received lo=" + num(lo) +
                                ", hi=" + num(hi));
        }
        const List arrays = device_list(arrays_obj, op, "arrays");
        require_disjoint({{&arrays, "arrays"}}, op);
        py::gil_scoped_release release;
        cuda::clip_arrays(arrays.tensors(), arrays.ptrs(), static_cast<float>(lo),
                          static_cast<float>(hi));
      },
      py::arg("arrays"), py::arg("lo"), py::arg("hi"), "Clamps every element to [lo, hi].");
}

}  // namespace ember::cuda_bindings
