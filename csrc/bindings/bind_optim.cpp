// Optimizer updates over lists of parameters, in place, one call per training step; plus the
// gradient utilities (global norm, scaling, clipping) and decoupled weight decay. Every list is
// validated (count, shapes, dtypes, no shared memory) before anything is modified.
#include <pybind11/numpy.h>

#include <cmath>

#include "bindings/args.h"
#include "bindings/kernel_tables.h"
#include "bindings/tensor_lists.h"

namespace ember::bindings {
namespace {

std::string num(double v) { return std::string(py::str(py::float_(v))); }

TensorList tensors(const ArrayList& a) { return {a.count(), a.sizes.data()}; }

// A hyperparameter in [0, 1) (betas, rho): 1 - beta divides or vanishes otherwise.
void require_unit(double v, const std::string& op, const char* name) {
  if (!(v >= 0.0 && v < 1.0)) {
    throw py::value_error(op + ": " + name + " must be in [0, 1), received " + num(v));
  }
}

void sgd(const OptimKernels& k, py::handle params_obj, py::handle grads_obj,
         py::handle velocities_obj, double lr, double momentum, bool nesterov) {
  const std::string op = "sgd_update";
  ArrayList params = writable_list(params_obj, op, "params");
  ArrayList grads = readonly_list(grads_obj, op, "grads", &params, "params");
  ArrayList vel;
  const bool has_vel = !velocities_obj.is_none();
  if (has_vel) vel = writable_list(velocities_obj, op, "velocities", &params, "params");
  require_disjoint({{&params, "params"}, {has_vel ? &vel : nullptr, "velocities"}}, op);
  // Keras casts every hyperparameter to the variable's dtype, float32.
  const SgdHyper h{static_cast<float>(lr), static_cast<float>(momentum), nesterov};
  py::gil_scoped_release release;
  k.sgd(tensors(params), params.write(), grads.read(), has_vel ? vel.write() : nullptr, h);
}

void adam(const OptimKernels& k, py::handle params_obj, py::handle grads_obj, py::handle m_obj,
          py::handle v_obj, py::handle vhat_obj, double lr, double beta1, double beta2,
          double epsilon, py::handle step_obj) {
  const std::string op = "adam_update";
  const i64 step = to_i64(step_obj, op, "step");
  if (step < 1) {
    throw py::value_error(op + ": step must be >= 1 (the 1-based iteration count), received " +
                          std::to_string(step));
  }
  require_unit(beta1, op, "beta1");
  require_unit(beta2, op, "beta2");
  ArrayList params = writable_list(params_obj, op, "params");
  ArrayList grads = readonly_list(grads_obj, op, "grads", &params, "params");
  ArrayList m = writable_list(m_obj, op, "m", &params, "params");
  ArrayList v = writable_list(v_obj, op, "v", &params, "params");
  ArrayList vhat;
  const bool amsgrad = !vhat_obj.is_none();
  if (amsgrad) vhat = writable_list(vhat_obj, op, "vhat", &params, "params");
  require_disjoint({{&params, "params"}, {&m, "m"}, {&v, "v"}, {amsgrad ? &vhat : nullptr, "vhat"}},
                   op);
  const AdamHyper h = adam_hyper(lr, beta1, beta2, epsilon, step);
  py::gil_scoped_release release;
  k.adam(tensors(params), params.write(), grads.read(), m.write(), v.write(),
         amsgrad ? vhat.write() : nullptr, h);
}

void rmsprop(const OptimKernels& k, py::handle params_obj, py::handle grads_obj,
             py::handle velocity_obj, py::handle momentum_obj, py::handle average_obj, double lr,
             double rho, double momentum, double epsilon, bool centered) {
  const std::string op = "rmsprop_update";
  if (momentum > 0.0 && momentum_obj.is_none()) {
    throw py::value_error(op + ": momentum is " + num(momentum) +
                          " but momentum_buf is None; pass one zero-initialised array per "
                          "parameter");
  }
  if (centered && average_obj.is_none()) {
    throw py::value_error(op +
                          ": centered=True needs average_grad (one zero-initialised array "
                          "per parameter); received None");
  }
  if (!centered && !average_obj.is_none()) {
    throw py::value_error(op + ": average_grad is only used with centered=True; received an " +
                          "average_grad list with centered=False");
  }
  ArrayList params = writable_list(params_obj, op, "params");
  ArrayList grads = readonly_list(grads_obj, op, "grads", &params, "params");
  ArrayList vel = writable_list(velocity_obj, op, "velocity", &params, "params");
  ArrayList mom, avg;
  const bool has_mom = !momentum_obj.is_none();
  if (has_mom) mom = writable_list(momentum_obj, op, "momentum_buf", &params, "params");
  if (centered) avg = writable_list(average_obj, op, "average_grad", &params, "params");
  require_disjoint({{&params, "params"},
                    {&vel, "velocity"},
                    {has_mom ? &mom : nullptr, "momentum_buf"},
                    {centered ? &avg : nullptr, "average_grad"}},
                   op);
  const RmspropHyper h{static_cast<float>(lr), static_cast<float>(rho),
                       static_cast<float>(1.0 - rho), static_cast<float>(momentum),
                       static_cast<float>(epsilon)};
  py::gil_scoped_release release;
  k.rmsprop(tensors(params), params.write(), grads.read(), vel.write(),
            has_mom ? mom.write() : nullptr, centered ? avg.write() : nullptr, h);
}

void adagrad(const OptimKernels& k, py::handle params_obj, py::handle grads_obj, py::handle acc_obj,
             double lr, double epsilon) {
  const std::string op = "adagrad_update";
  ArrayList params = writable_list(params_obj, op, "params");
  ArrayList grads = readonly_list(grads_obj, op, "grads", &params, "params");
  ArrayList acc = writable_list(acc_obj, op, "accumulators", &params, "params");
  require_disjoint({{&params, "params"}, {&acc, "accumulators"}}, op);
  const AdagradHyper h{static_cast<float>(lr), static_cast<float>(epsilon)};
  py::gil_scoped_release release;
  k.adagrad(tensors(params), params.write(), grads.read(), acc.write(), h);
}

}  // namespace

void bind_optim(py::module_& m, const OptimKernels& k) {
  m.def(
      "sgd_update",
      [k](py::handle params, py::handle grads, py::handle velocities, double lr, double momentum,
          bool nesterov) { sgd(k, params, grads, velocities, lr, momentum, nesterov); },
      py::arg("params"), py::arg("grads"), py::arg("velocities"), py::kw_only(), py::arg("lr"),
      py::arg("momentum"), py::arg("nesterov"),
      "Keras SGD step on every parameter, in place. velocities None: p -= lr * g. Otherwise\n"
      "v = momentum * v - lr * g; p += v (nesterov: p += momentum * v - lr * g).");
  m.def(
      "adam_update",
      [k](py::handle params, py::handle grads, py::handle m_list, py::handle v_list,
          py::handle vhat, double lr, double beta1, double beta2, double epsilon, py::handle step) {
        adam(k, params, grads, m_list, v_list, vhat, lr, beta1, beta2, epsilon, step);
      },
      py::arg("params"), py::arg("grads"), py::arg("m"), py::arg("v"), py::arg("vhat"),
      py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("epsilon"),
      py::arg("step"),
      "Keras Adam step, in place; step is the 1-based iteration count of the bias corrections,\n"
      "vhat (None unless amsgrad) the running maximum of v.");
  m.def(
      "rmsprop_update",
      [k](py::handle params, py::handle grads, py::handle velocity, py::handle momentum_buf,
          py::handle average_grad, double lr, double rho, double momentum, double epsilon,
          bool centered) {
        rmsprop(k, params, grads, velocity, momentum_buf, average_grad, lr, rho, momentum, epsilon,
                centered);
      },
      py::arg("params"), py::arg("grads"), py::arg("velocity"), py::arg("momentum_buf"),
      py::arg("average_grad"), py::kw_only(), py::arg("lr"), py::arg("rho"), py::arg("momentum"),
      py::arg("epsilon"), py::arg("centered"),
      "Keras RMSprop step, in place. momentum_buf is required when momentum > 0, average_grad\n"
      "exactly when centered.");
  m.def(
      "adagrad_update",
      [k](py::handle params, py::handle grads, py::handle accumulators, double lr, double epsilon) {
        adagrad(k, params, grads, accumulators, lr, epsilon);
      },
      py::arg("params"), py::arg("grads"), py::arg("accumulators"), py::kw_only(), py::arg("lr"),
      py::arg("epsilon"),
      "Keras Adagrad step, in place: acc += g^2; p -= lr * g / sqrt(acc + eps).");
  m.def(
      "weight_decay_",
      [k](py::handle params_obj, double factor) {
        const std::string op = "weight_decay_";
        ArrayList params = writable_list(params_obj, op, "params");
        require_disjoint({{&params, "params"}}, op);
        py::gil_scoped_release release;
        k.weight_decay(tensors(params), params.write(), static_cast<float>(factor));
      },
      py::arg("params"), py::kw_only(), py::arg("factor"),
      "p -= p * factor in place (Keras applies factor = weight_decay * lr before the update).");
  m.def(
      "global_norm",
      [k](py::handle arrays_obj) {
        ArrayList arrays = readonly_list(arrays_obj, "global_norm", "arrays");
        py::gil_scoped_release release;
        return k.global_norm(tensors(arrays), arrays.read());
      },
      py::arg("arrays"),
      "sqrt(sum of squares over every element of every array), accumulated in double in a fixed\n"
      "order (independent of the thread count).");
  m.def(
      "scale_",
      [k](py::handle arrays_obj, double factor) {
        const std::string op = "scale_";
        ArrayList arrays = writable_list(arrays_obj, op, "arrays");
        require_disjoint({{&arrays, "arrays"}}, op);
        py::gil_scoped_release release;
        k.scale(tensors(arrays), arrays.write(), static_cast<float>(factor));
      },
      py::arg("arrays"), py::arg("factor"), "a *= factor in place for every array.");
  m.def(
      "clip_",
      [k](py::handle arrays_obj, double lo, double hi) {
        const std::string op = "clip_";
        if (!(lo <= hi)) {
          throw py::value_error(op + ": lo must be <= hi, received lo=" + num(lo) +
                                ", hi=" + num(hi));
        }
        ArrayList arrays = writable_list(arrays_obj, op, "arrays");
        require_disjoint({{&arrays, "arrays"}}, op);
        py::gil_scoped_release release;
        k.clip(tensors(arrays), arrays.write(), static_cast<float>(lo), static_cast<float>(hi));
      },
      py::arg("arrays"), py::arg("lo"), py::arg("hi"),
      "Clamps every element to [lo, hi] in place (NaN stays NaN).");
}

}  // namespace ember::bindings
