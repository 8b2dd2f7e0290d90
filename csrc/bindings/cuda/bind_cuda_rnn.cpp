// LSTM / GRU / SimpleRNN over whole sequences on device arrays, with the arguments, results and
// checks of csrc/bindings/bind_rnn.cpp. Two things the CPU kernels do are not offered here and
// raise NotImplementedError: per-step masks (mask=), and GRU with reset_after=False.
#include <pybind11/stl.h>

#include "bindings/args.h"
#include "bindings/cuda/device_array.h"
#include "bindings/cuda/modules.h"
#include "common/checked_math.h"
#include "cuda/kernels.h"

namespace ember::cuda_bindings {
namespace {

using bindings::parse_rnn_act;

enum class Kind { lstm, gru, simple };

constexpr const char* kSequence = "(batch, time, features)";

i64 gates_of(Kind kind) { return kind == Kind::lstm ? 4 : kind == Kind::gru ? 3 : 1; }

const char* kind_op(Kind kind) {
  return kind == Kind::lstm ? "lstm" : kind == Kind::gru ? "gru" : "simple_rnn";
}

[[noreturn]] void not_implemented(const std::string& message) {
  PyErr_SetString(PyExc_NotImplementedError, message.c_str());
  throw py::error_already_set();
}

struct CallArgs {
  py::handle x, kernel, rec, bias, h0, c0, mask, rmask;
  py::handle act, ract;
  bool reset_after = true;
  bool go_backwards = false;
};

struct Inputs {
  RnnShape shape;
  i64 gh = 0;
  RnnInputs ptrs;
  Shape bias_shape;
};

const DeviceArray* optional_shaped(py::handle obj, const Shape& want, const std::string& op,
                                   const char* name, const std::string& why) {
  const DeviceArray* a = optional_float(obj, op, name);
  if (a != nullptr) require_shape(a->shape(), want, op, name, why);
  return a;
}

Inputs validate(Kind kind, const std::string& op, const CallArgs& a) {
  if (!a.mask.is_none()) {
    not_implemented(op + ": masks (mask=, from Embedding(mask_zero=True) or Masking) are not " +
                    "supported on cuda yet; run this model on cpu");
  }
  if (kind == Kind::gru && !a.reset_after) {
    not_implemented(op + ": GRU with reset_after=False is not supported on cuda yet; use " +
                    "reset_after=True (Keras' default) or run on cpu");
  }
  Inputs v;
  const i64 G = gates_of(kind);
  const std::string gates = std::to_string(G);
  const DeviceArray& x = float_arg(a.x, op, "x");
  require_rank(x, 3, op, "x", kSequence);
  const Shape& xs = x.shape();
  for (int d = 0; d < 3; ++d) {
    if (xs[d] < 1) {
      throw py::value_error(op + ": every axis of x must be >= 1; received shape " + shape_str(xs));
    }
  }
  const DeviceArray& k = float_arg(a.kernel, op, "kernel");
  require_rank(k, 2, op, "kernel", ("(input_features, " + gates + " * units)").c_str());
  const Shape& ks = k.shape();
  if (ks[0] != xs[2]) {
    throw py::value_error(op + ": kernel " + shape_str(ks) + " expects " + std::to_string(ks[0]) +
                          " input features, but x has " + std::to_string(xs[2]) + " (x shape " +
                          shape_str(xs) + ")");
  }
  if (ks[1] < G || ks[1] % G != 0) {
    throw py::value_error(op + ": kernel must have shape (input_features, " + gates +
                          " * units) with units >= 1; received shape " + shape_str(ks));
  }
  const i64 H = ks[1] / G, B = xs[0], T = xs[1];
  v.shape = {B, T, xs[2], H};
  v.gh = ks[1];
  checked_product(op.c_str(), B, T, v.gh);
  const DeviceArray& r = float_arg(a.rec, op, "recurrent_kernel");
  require_shape(r.shape(), {H, v.gh}, op, "recurrent_kernel",
                " (units, " + gates + " * units) for kernel " + shape_str(ks));
  v.bias_shape = kind == Kind::gru ? Shape{2, v.gh} : Shape{v.gh};
  const DeviceArray* bias = optional_shaped(
      a.bias, v.bias_shape, op, "bias",
      kind == Kind::gru ? " (input and recurrent rows of 3 * units, reset_after=True)"
                        : " (" + gates + " * units)");
  const DeviceArray* h0 = optional_shaped(a.h0, {B, H}, op, "h0", " (batch, units)");
  const DeviceArray* c0 =
      kind == Kind::lstm ? optional_shaped(a.c0, {B, H}, op, "c0", " (batch, units)") : nullptr;
  const DeviceArray* rmask =
      optional_shaped(a.rmask, {B, H}, op, "recurrent_mask", " (batch, units)");
  v.ptrs.x = x.f32();
  v.ptrs.kernel = k.f32();
  v.ptrs.recurrent = r.f32();
  v.ptrs.bias = bias ? bias->f32() : nullptr;
  v.ptrs.h0 = h0 ? h0->f32() : nullptr;
  v.ptrs.c0 = c0 ? c0->f32() : nullptr;
  v.ptrs.rmask = rmask ? rmask->f32() : nullptr;
  return v;
}

RnnOptions options(Kind kind, const CallArgs& a, const std::string& op) {
  RnnOptions o;
  o.act = parse_rnn_act(a.act, op, "activation");
  if (kind != Kind::simple) o.ract = parse_rnn_act(a.ract, op, "recurrent_activation");
  o.go_backwards = a.go_backwards;
  o.reset_after = a.reset_after;
  return o;
}

using ForwardFn = void (*)(const RnnShape&, const RnnOptions&, const RnnInputs&,
                           const RnnForwardOut&);
using BackwardFn = void (*)(const RnnShape&, const RnnOptions&, const RnnInputs&,
                            const RnnBackwardIn&, const RnnGrads&);

py::tuple forward(Kind kind, ForwardFn fn, const CallArgs& a, bool training) {
  const std::string op = std::string(kind_op(kind)) + "_forward";
  const RnnOptions o = options(kind, a, op);
  const Inputs v = validate(kind, op, a);
  const i64 B = v.shape.batch, T = v.shape.time, H = v.shape.units;
  DeviceArray h_seq = new_float({B, T, H}), h_last = new_float({B, H}), c_last, gates, cells;
  if (kind == Kind::lstm) c_last = new_float({B, H});
  const bool saves = training && kind != Kind::simple;
  if (saves) {
    gates = new_float({T, B, v.gh});
    cells = new_float({T, B, H});  // LSTM cells, GRU inner (reset_after)
  }
  RnnForwardOut out;
  out.h_seq = h_seq.f32();
  out.h_last = h_last.f32();
  out.c_last = kind == Kind::lstm ? c_last.f32() : nullptr;
  out.gates = saves ? gates.f32() : nullptr;
  out.cells = saves ? cells.f32() : nullptr;
  {
    py::gil_scoped_release release;
    fn(v.shape, o, v.ptrs, out);
  }
  py::tuple state;
  if (saves) state = py::make_tuple(std::move(gates), std::move(cells));
  if (kind == Kind::lstm) {
    return py::make_tuple(std::move(h_seq), std::move(h_last), std::move(c_last), state);
  }
  return py::make_tuple(std::move(h_seq), std::move(h_last), state);
}

struct Grads {
  py::handle dh_seq, dh_last, dc_last, h_seq, state;
};

py::tuple backward(Kind kind, BackwardFn fn, const CallArgs& a, const Grads& g) {
  const std::string op = std::string(kind_op(kind)) + "_backward";
  const RnnOptions o = options(kind, a, op);
  const Inputs v = validate(kind, op, a);
  const i64 B = v.shape.batch, T = v.shape.time, I = v.shape.input, H = v.shape.units;
  const Shape seq{B, T, H}, st{B, H};
  RnnBackwardIn saved;
  const DeviceArray* dh_seq = optional_shaped(g.dh_seq, seq, op, "dh_seq", " (batch, time, units)");
  const DeviceArray* dh_last = optional_shaped(g.dh_last, st, op, "dh_last", " (batch, units)");
  const DeviceArray* dc_last =
      kind == Kind::lstm ? optional_shaped(g.dc_last, st, op, "dc_last", " (batch, units)")
                         : nullptr;
  const DeviceArray& h_seq = float_arg(g.h_seq, op, "h_seq");
  require_shape(h_seq.shape(), seq, op, "h_seq", " (the forward's output)");
  const std::size_t want = kind == Kind::simple ? 0 : 2;
  if (!py::isinstance<py::tuple>(g.state) && !py::isinstance<py::list>(g.state)) {
    throw py::type_error(op + ": state must be the tuple the forward returned");
  }
  py::sequence state = py::reinterpret_borrow<py::sequence>(g.state);
  if (state.size() != want) {
    throw py::value_error(op + ": state must hold " + std::to_string(want) +
                          " arrays (the forward's saved state), received " +
                          std::to_string(state.size()) +
                          (state.size() == 0 ? ": run the forward with training=True" : ""));
  }
  if (want == 2) {
    const DeviceArray& gates = float_arg(state[0], op, "state[0] (gates)");
    require_shape(gates.shape(), {T, B, v.gh}, op, "state[0] (gates)",
                  " (time, batch, gates * units)");
    const DeviceArray& cells = float_arg(state[1], op, "state[1]");
    require_shape(cells.shape(), {T, B, H}, op, "state[1]", " (time, batch, units)");
    saved.gates = gates.f32();
    saved.cells = cells.f32();
  }
  saved.dh_seq = dh_seq ? dh_seq->f32() : nullptr;
  saved.dh_last = dh_last ? dh_last->f32() : nullptr;
  saved.dc_last = dc_last ? dc_last->f32() : nullptr;
  saved.h_seq = h_seq.f32();
  DeviceArray dx = new_float({B, T, I}), dh0 = new_float(st), dc0, dkernel = new_float({I, v.gh}),
              drec = new_float({H, v.gh}), dbias;
  if (kind == Kind::lstm) dc0 = new_float(st);
  const bool has_bias = v.ptrs.bias != nullptr;
  if (has_bias) dbias = new_float(v.bias_shape);
  RnnGrads out;
  out.dx = dx.f32();
  out.dh0 = dh0.f32();
  out.dc0 = kind == Kind::lstm ? dc0.f32() : nullptr;
  out.dkernel = dkernel.f32();
  out.drecurrent = drec.f32();
  out.dbias = has_bias ? dbias.f32() : nullptr;
  {
    py::gil_scoped_release release;
    fn(v.shape, o, v.ptrs, saved, out);
  }
  py::object db = has_bias ? py::cast(std::move(dbias)) : py::object(py::none());
  if (kind == Kind::lstm) {
    return py::make_tuple(std::move(dx), std::move(dh0), std::move(dc0), std::move(dkernel),
                          std::move(drec), db);
  }
  return py::make_tuple(std::move(dx), std::move(dh0), std::move(dkernel), std::move(drec), db);
}

}  // namespace

void bind_rnn(py::module_& m) {
  m.def(
      "lstm_forward",
      [](py::handle x, py::handle kernel, py::handle rec, py::handle bias, py::handle h0,
         py::handle c0, py::handle mask, py::handle rmask, py::handle activation,
         py::handle recurrent_activation, bool go_backwards, bool training) {
        CallArgs a{x, kernel, rec, bias, h0, c0, mask, rmask, activation, recurrent_activation};
        a.go_backwards = go_backwards;
        return forward(Kind::lstm, cuda::lstm_forward, a, training);
      },
      py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("c0"), py::arg("mask") = py::none(), py::arg("recurrent_mask") = py::none(),
      py::kw_only(), py::arg("activation") = "tanh", py::arg("recurrent_activation") = "sigmoid",
      py::arg("go_backwards") = false, py::arg("training") = true,
      "LSTM over a whole sequence -> (h_seq, h_last, c_last, state); ember._C.lstm_forward on "
      "the device (no mask).");
  m.def(
      "lstm_backward",
      [](py::handle dh_seq, py::handle dh_last, py::handle dc_last, py::handle x, py::handle kernel,
         py::handle rec, py::handle bias, py::handle h0, py::handle c0, py::handle mask,
         py::handle rmask, py::handle h_seq, py::handle state, py::handle activation,
         py::handle recurrent_activation, bool go_backwards) {
        CallArgs a{x, kernel, rec, bias, h0, c0, mask, rmask, activation, recurrent_activation};
        a.go_backwards = go_backwards;
        return backward(Kind::lstm, cuda::lstm_backward, a,
                        {dh_seq, dh_last, dc_last, h_seq, state});
      },
      py::arg("dh_seq"), py::arg("dh_last"), py::arg("dc_last"), py::arg("x"), py::arg("kernel"),
      py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"), py::arg("c0"), py::arg("mask"),
      py::arg("recurrent_mask"), py::arg("h_seq"), py::arg("state"), py::kw_only(),
      py::arg("activation"), py::arg("recurrent_activation"), py::arg("go_backwards"),
      "Backward through time of lstm_forward -> (dx, dh0, dc0, dkernel, drecurrent_kernel, "
      "dbias).");
  m.def(
      "gru_forward",
      [](py::handle x, py::handle kernel, py::handle rec, py::handle bias, py::handle h0,
         py::handle mask, py::handle rmask, py::handle activation, py::handle recurrent_activation,
         bool reset_after, bool go_backwards, bool training) {
        CallArgs a{x,          kernel, rec,   bias,       h0,
                   py::none(), mask,   rmask, activation, recurrent_activation};
        a.reset_after = reset_after;
        a.go_backwards = go_backwards;
        return forward(Kind::gru, cuda::gru_forward, a, training);
      },
      py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("mask") = py::none(), py::arg("recurrent_mask") = py::none(), py::kw_only(),
      py::arg("activation") = "tanh", py::arg("recurrent_activation") = "sigmoid",
      py::arg("reset_after") = true, py::arg("go_backwards") = false, py::arg("training") = true,
      "GRU (reset_after=True) over a whole sequence -> (h_seq, h_last, state).");
  m.def(
      "gru_backward",
      [](py::handle dh_seq, py::handle dh_last, py::handle x, py::handle kernel, py::handle rec,
         py::handle bias, py::handle h0, py::handle mask, py::handle rmask, py::handle h_seq,
         py::handle state, py::handle activation, py::handle recurrent_activation, bool reset_after,
         bool go_backwards) {
        CallArgs a{x,          kernel, rec,   bias,       h0,
                   py::none(), mask,   rmask, activation, recurrent_activation};
        a.reset_after = reset_after;
        a.go_backwards = go_backwards;
        return backward(Kind::gru, cuda::gru_backward, a,
                        {dh_seq, dh_last, py::none(), h_seq, state});
      },
      py::arg("dh_seq"), py::arg("dh_last"), py::arg("x"), py::arg("kernel"),
      py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"), py::arg("mask"),
      py::arg("recurrent_mask"), py::arg("h_seq"), py::arg("state"), py::kw_only(),
      py::arg("activation"), py::arg("recurrent_activation"), py::arg("reset_after"),
      py::arg("go_backwards"),
      "Backward through time of gru_forward -> (dx, dh0, dkernel, drecurrent_kernel, dbias).");
  m.def(
      "simple_rnn_forward",
      [](py::handle x, py::handle kernel, py::handle rec, py::handle bias, py::handle h0,
         py::handle mask, py::handle rmask, py::handle activation, bool go_backwards,
         bool training) {
        CallArgs a{x, kernel, rec, bias, h0, py::none(), mask, rmask, activation, py::none()};
        a.go_backwards = go_backwards;
        return forward(Kind::simple, cuda::simple_rnn_forward, a, training);
      },
      py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("mask") = py::none(), py::arg("recurrent_mask") = py::none(), py::kw_only(),
      py::arg("activation") = "tanh", py::arg("go_backwards") = false, py::arg("training") = true,
      "SimpleRNN over a whole sequence -> (h_seq, h_last, state).");
  m.def(
      "simple_rnn_backward",
      [](py::handle dh_seq, py::handle dh_last, py::handle x, py::handle kernel, py::handle rec,
         py::handle bias, py::handle h0, py::handle mask, py::handle rmask, py::handle h_seq,
         py::handle state, py::handle activation, bool go_backwards) {
        CallArgs a{x, kernel, rec, bias, h0, py::none(), mask, rmask, activation, py::none()};
        a.go_backwards = go_backwards;
        return backward(Kind::simple, cuda::simple_rnn_backward, a,
                        {dh_seq, dh_last, py::none(), h_seq, state});
      },
      py::arg("dh_seq"), py::arg("dh_last"), py::arg("x"), py::arg("kernel"),
      py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"), py::arg("mask"),
      py::arg("recurrent_mask"), py::arg("h_seq"), py::arg("state"), py::kw_only(),
      py::arg("activation"), py::arg("go_backwards"),
      "Backward through time of simple_rnn_forward -> (dx, dh0, dkernel, drecurrent_kernel, "
      "dbias).");
}

}  // namespace ember::cuda_bindings
