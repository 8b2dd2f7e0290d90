// lstm_forward / lstm_backward, gru_forward / gru_backward, simple_rnn_forward /
// simple_rnn_backward: whole sequences in one call (kernels/rnn.h). Every shape is validated,
// and every size overflow-checked, before anything is allocated; the kernels run with the GIL
// released.
#include <pybind11/numpy.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <vector>

#include "bindings/args.h"
#include "bindings/arrays.h"
#include "bindings/kernel_tables.h"
#include "common/checked_math.h"

namespace ember::bindings {
namespace {

enum class Kind { lstm, gru, simple };

constexpr const char* kSequence = "(batch, time, features)";

std::string repr_of(py::handle obj) { return std::string(py::str(py::repr(obj))); }

i64 gates_of(Kind kind) { return kind == Kind::lstm ? 4 : kind == Kind::gru ? 3 : 1; }

// The inputs shared by a forward and its backward, validated and converted.
struct Inputs {
  RnnShape shape;
  i64 gh = 0;  // G * units
  Float32 x, kernel, recurrent, bias, h0, c0, rmask;
  std::vector<std::uint8_t> mask;
  bool has_bias = false, has_h0 = false, has_c0 = false, has_mask = false, has_rmask = false;
  Shape bias_shape;

  RnnInputs pointers() const {
    RnnInputs in;
    in.x = x.data();
    in.kernel = kernel.data();
    in.recurrent = recurrent.data();
    in.bias = has_bias ? bias.data() : nullptr;
    in.h0 = has_h0 ? h0.data() : nullptr;
    in.c0 = has_c0 ? c0.data() : nullptr;
    in.mask = has_mask ? mask.data() : nullptr;
    in.rmask = has_rmask ? rmask.data() : nullptr;
    return in;
  }
};

// An optional float32 array of exactly `want` (None stays None).
bool optional_array(py::handle obj, const Shape& want, const std::string& op, const char* name,
                    const std::string& why, Float32* out) {
  if (obj.is_none()) return false;
  py::array raw = as_real_array(obj, op, name);
  require_shape(shape_of(raw), want, op, name, why);
  *out = to_float32(raw, op, name);
  return true;
}

Float32 required_array(py::handle obj, const Shape& want, const std::string& op, const char* name,
                       const std::string& why) {
  Float32 out;
  if (obj.is_none()) {
    throw py::type_error(op + ": " + name + " must be an array of shape " + shape_str(want) + why +
                         ", received None");
  }
  optional_array(obj, want, op, name, why, &out);
  return out;
}

Inputs validate_inputs(Kind kind, const std::string& op, py::handle x_obj, py::handle kernel_obj,
                       py::handle rec_obj, py::handle bias_obj, py::handle h0_obj,
                       py::handle c0_obj, py::handle mask_obj, py::handle rmask_obj,
                       bool reset_after) {
  Inputs v;
  const i64 G = gates_of(kind);
  const std::string gates = std::to_string(G);
  py::array x_raw = as_real_array(x_obj, op, "x");
  require_rank(x_raw, 3, op, "x", kSequence);
  const Shape xs = shape_of(x_raw);
  static const char* kAxes[] = {"axis 0 (batch)", "axis 1 (time)", "axis 2 (features)"};
  for (int a = 0; a < 3; ++a) {
    if (xs[a] < 1) {
      throw py::value_error(op + ": x must have at least one " +
                            std::string(a == 0   ? "sample"
                                        : a == 1 ? "time step"
                                                 : "feature") +
                            " (" + kAxes[a] + " must be >= 1); received shape " + shape_str(xs));
    }
  }
  py::array k_raw = as_real_array(kernel_obj, op, "kernel");
  require_rank(k_raw, 2, op, "kernel", ("(input_features, " + gates + " * units)").c_str());
  const Shape ks = shape_of(k_raw);
  if (ks[0] != xs[2]) {
    throw py::value_error(op + ": kernel " + shape_str(ks) + " expects " + std::to_string(ks[0]) +
                          " input features, but x has " + std::to_string(xs[2]) + " (x shape " +
                          shape_str(xs) + ")");
  }
  if (ks[1] < G || ks[1] % G != 0) {
    throw py::value_error(op + ": kernel must have shape (input_features, " + gates +
                          " * units) with units >= 1; received shape " + shape_str(ks));
  }
  const i64 H = ks[1] / G;
  v.shape = {xs[0], xs[1], xs[2], H};
  v.gh = ks[1];
  const i64 B = xs[0], T = xs[1];
  // Every buffer the call can size, checked before any is allocated.
  checked_product(op.c_str(), B, T, v.gh);
  checked_product(op.c_str(), B, T, H, 2);
  checked_product(op.c_str(), H, v.gh);

  py::array r_raw = as_real_array(rec_obj, op, "recurrent_kernel");
  require_shape(shape_of(r_raw), {H, v.gh}, op, "recurrent_kernel",
                " (units, " + gates + " * units) for kernel " + shape_str(ks));
  if (!bias_obj.is_none()) {
    v.bias_shape = kind == Kind::gru && reset_after ? Shape{2, v.gh} : Shape{v.gh};
    const std::string why =
        kind == Kind::gru && reset_after
            ? " (input and recurrent rows of 3 * units, reset_after=True)"
            : " (" + gates + " * units" + (kind == Kind::gru ? ", reset_after=False" : "") + ")";
    v.has_bias = optional_array(bias_obj, v.bias_shape, op, "bias", why, &v.bias);
  }
  v.has_h0 = optional_array(h0_obj, {B, H}, op, "h0", " (batch, units)", &v.h0);
  if (kind == Kind::lstm) {
    v.has_c0 = optional_array(c0_obj, {B, H}, op, "c0", " (batch, units)", &v.c0);
  }
  if (!mask_obj.is_none()) {
    py::array raw = as_real_array(mask_obj, op, "mask");
    require_shape(shape_of(raw), {B, T}, op, "mask", " (batch, time)");
    // Nonzero (NaN included) marks a valid step, as Keras' cast to bool does.
    using Double = py::array_t<double, py::array::c_style | py::array::forcecast>;
    Double m = Double::ensure(raw);
    v.mask.resize(static_cast<std::size_t>(B * T));
    const double* mp = m.data();
    for (std::size_t i = 0; i < v.mask.size(); ++i) v.mask[i] = mp[i] != 0.0 ? 1 : 0;
    v.has_mask = true;
  }
  v.has_rmask =
      optional_array(rmask_obj, {B, H}, op, "recurrent_mask", " (batch, units)", &v.rmask);
  v.x = to_float32(x_raw, op, "x");
  v.kernel = to_float32(k_raw, op, "kernel");
  v.recurrent = to_float32(r_raw, op, "recurrent_kernel");
  return v;
}

const char* kind_op(Kind kind) {
  return kind == Kind::lstm ? "lstm" : kind == Kind::gru ? "gru" : "simple_rnn";
}

using ForwardFn = void (*)(const RnnShape&, const RnnOptions&, const RnnInputs&,
                           const RnnForwardOut&);
using BackwardFn = void (*)(const RnnShape&, const RnnOptions&, const RnnInputs&,
                            const RnnBackwardIn&, const RnnGrads&);

struct CallArgs {
  py::handle x, kernel, rec, bias, h0, c0, mask, rmask;
  py::handle act, ract;
  bool reset_after = true;
  bool go_backwards = false;
};

RnnOptions options(Kind kind, const CallArgs& a, const std::string& op) {
  RnnOptions o;
  o.act = parse_rnn_act(a.act, op, "activation");
  if (kind != Kind::simple) o.ract = parse_rnn_act(a.ract, op, "recurrent_activation");
  o.go_backwards = a.go_backwards;
  o.reset_after = a.reset_after;
  return o;
}

py::tuple forward(Kind kind, ForwardFn fn, const CallArgs& a, bool training) {
  const std::string op = std::string(kind_op(kind)) + "_forward";
  const RnnOptions o = options(kind, a, op);
  const Inputs v = validate_inputs(kind, op, a.x, a.kernel, a.rec, a.bias, a.h0, a.c0, a.mask,
                                   a.rmask, a.reset_after);
  const i64 B = v.shape.batch, T = v.shape.time, H = v.shape.units;
  Float32 h_seq = float_output({B, T, H}, py::none(), op);
  Float32 h_last = float_output({B, H}, py::none(), op);
  Float32 c_last;
  if (kind == Kind::lstm) c_last = float_output({B, H}, py::none(), op);
  Float32 gates, cells;
  const bool saves = training && kind != Kind::simple;
  const bool has_cells = kind == Kind::lstm || (kind == Kind::gru && a.reset_after);
  // The saved state is step-major (time, batch, ...): see kernels/rnn.h.
  if (saves) gates = float_output({T, B, v.gh}, py::none(), op);
  if (saves && has_cells) cells = float_output({T, B, H}, py::none(), op);

  const RnnInputs in = v.pointers();
  RnnForwardOut out;
  out.h_seq = h_seq.mutable_data();
  out.h_last = h_last.mutable_data();
  out.c_last = kind == Kind::lstm ? c_last.mutable_data() : nullptr;
  out.gates = saves ? gates.mutable_data() : nullptr;
  out.cells = saves && has_cells ? cells.mutable_data() : nullptr;
  {
    py::gil_scoped_release release;
    fn(v.shape, o, in, out);
  }
  py::tuple state;
  if (saves) state = has_cells ? py::tuple(py::make_tuple(gates, cells)) : py::make_tuple(gates);
  if (kind == Kind::lstm) return py::make_tuple(h_seq, h_last, c_last, state);
  return py::make_tuple(h_seq, h_last, state);
}

struct Grads {
  py::handle dh_seq, dh_last, dc_last, h_seq, state;
};

py::tuple backward(Kind kind, BackwardFn fn, const CallArgs& a, const Grads& g) {
  const std::string op = std::string(kind_op(kind)) + "_backward";
  const RnnOptions o = options(kind, a, op);
  const Inputs v = validate_inputs(kind, op, a.x, a.kernel, a.rec, a.bias, a.h0, a.c0, a.mask,
                                   a.rmask, a.reset_after);
  const i64 B = v.shape.batch, T = v.shape.time, I = v.shape.input, H = v.shape.units;
  const Shape seq{B, T, H}, state_shape{B, H};
  Float32 dh_seq, dh_last, dc_last;
  const bool has_dh_seq =
      optional_array(g.dh_seq, seq, op, "dh_seq", " (batch, time, units)", &dh_seq);
  const bool has_dh_last =
      optional_array(g.dh_last, state_shape, op, "dh_last", " (batch, units)", &dh_last);
  bool has_dc_last = false;
  if (kind == Kind::lstm) {
    has_dc_last =
        optional_array(g.dc_last, state_shape, op, "dc_last", " (batch, units)", &dc_last);
  }
  Float32 h_seq = required_array(g.h_seq, seq, op, "h_seq", " (the forward's output)");

  // The saved state: what a training=True forward returned.
  const bool has_cells = kind == Kind::lstm || (kind == Kind::gru && a.reset_after);
  const std::size_t want = kind == Kind::simple ? 0 : has_cells ? 2 : 1;
  if (g.state.is_none() || !py::isinstance<py::sequence>(g.state) ||
      py::isinstance<py::str>(g.state)) {
    throw py::type_error(op + ": state must be the tuple the forward returned, received " +
                         repr_of(g.state));
  }
  py::sequence state = py::reinterpret_borrow<py::sequence>(g.state);
  if (state.size() != want) {
    std::string msg = op + ": state must hold " + std::to_string(want) +
                      " arrays (the forward's saved state), received " +
                      std::to_string(state.size());
    if (state.size() == 0) {
      msg +=
          ": the forward ran with training=False, which saves nothing for the backward; "
          "run it with training=True";
    }
    throw py::value_error(msg);
  }
  Float32 gates, cells;
  if (want >= 1) {
    gates = required_array(state[0], {T, B, v.gh}, op, "state[0] (gates)",
                           " (time, batch, gates * units)");
  }
  if (want == 2) {
    cells = required_array(state[1], {T, B, H}, op,
                           kind == Kind::lstm ? "state[1] (cells)" : "state[1] (inner)",
                           " (time, batch, units)");
  }

  Float32 dx = float_output({B, T, I}, py::none(), op);
  Float32 dh0 = float_output(state_shape, py::none(), op);
  Float32 dc0;
  if (kind == Kind::lstm) dc0 = float_output(state_shape, py::none(), op);
  Float32 dkernel = float_output({I, v.gh}, py::none(), op);
  Float32 drec = float_output({H, v.gh}, py::none(), op);
  Float32 dbias;
  if (v.has_bias) dbias = float_output(v.bias_shape, py::none(), op);

  const RnnInputs in = v.pointers();
  RnnBackwardIn saved;
  saved.dh_seq = has_dh_seq ? dh_seq.data() : nullptr;
  saved.dh_last = has_dh_last ? dh_last.data() : nullptr;
  saved.dc_last = has_dc_last ? dc_last.data() : nullptr;
  saved.h_seq = h_seq.data();
  saved.gates = want >= 1 ? gates.data() : nullptr;
  saved.cells = want == 2 ? cells.data() : nullptr;
  RnnGrads out;
  out.dx = dx.mutable_data();
  out.dh0 = dh0.mutable_data();
  out.dc0 = kind == Kind::lstm ? dc0.mutable_data() : nullptr;
  out.dkernel = dkernel.mutable_data();
  out.drecurrent = drec.mutable_data();
  out.dbias = v.has_bias ? dbias.mutable_data() : nullptr;
  {
    py::gil_scoped_release release;
    fn(v.shape, o, in, saved, out);
  }
  py::object db = v.has_bias ? py::object(dbias) : py::object(py::none());
  if (kind == Kind::lstm) return py::make_tuple(dx, dh0, dc0, dkernel, drec, db);
  return py::make_tuple(dx, dh0, dkernel, drec, db);
}

}  // namespace

void bind_rnn(py::module_& m, const RnnKernels& k) {
  m.def(
      "lstm_forward",
      [k](py::handle x, py::handle kernel, py::handle rec, py::handle bias, py::handle h0,
          py::handle c0, py::handle mask, py::handle rmask, py::handle activation,
          py::handle recurrent_activation, bool go_backwards, bool training) {
        CallArgs a{x, kernel, rec, bias, h0, c0, mask, rmask, activation, recurrent_activation};
        a.go_backwards = go_backwards;
        return forward(Kind::lstm, k.lstm_forward, a, training);
      },
      py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("c0"), py::arg("mask") = py::none(), py::arg("recurrent_mask") = py::none(),
      py::kw_only(), py::arg("activation") = "tanh", py::arg("recurrent_activation") = "sigmoid",
      py::arg("go_backwards") = false, py::arg("training") = true,
      "LSTM over a whole sequence (Keras 3 semantics, gate order i, f, c, o).\n"
      "x (batch, time, features); kernel (features, 4u); recurrent_kernel (u, 4u); bias (4u,) or\n"
      "None; h0, c0 (batch, u) or None (zeros); mask (batch, time), nonzero = valid step;\n"
      "recurrent_mask (batch, u) multiplies h_{t-1} inside the recurrent product only.\n"
      "Returns (h_seq, h_last, c_last, state): h_seq (batch, time, u) in processing order\n"
      "(reversed with go_backwards), masked steps repeating the previous output (zeros before\n"
      "a row's first valid step); h_last, c_last the final states; state what lstm_backward\n"
      "needs, () when training=False.");
  m.def(
      "lstm_backward",
      [k](py::handle dh_seq, py::handle dh_last, py::handle dc_last, py::handle x,
          py::handle kernel, py::handle rec, py::handle bias, py::handle h0, py::handle c0,
          py::handle mask, py::handle rmask, py::handle h_seq, py::handle state,
          py::handle activation, py::handle recurrent_activation, bool go_backwards) {
        CallArgs a{x, kernel, rec, bias, h0, c0, mask, rmask, activation, recurrent_activation};
        a.go_backwards = go_backwards;
        return backward(Kind::lstm, k.lstm_backward, a, {dh_seq, dh_last, dc_last, h_seq, state});
      },
      py::arg("dh_seq"), py::arg("dh_last"), py::arg("dc_last"), py::arg("x"), py::arg("kernel"),
      py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"), py::arg("c0"), py::arg("mask"),
      py::arg("recurrent_mask"), py::arg("h_seq"), py::arg("state"), py::kw_only(),
      py::arg("activation"), py::arg("recurrent_activation"), py::arg("go_backwards"),
      "Backward through time of lstm_forward. dh_seq, dh_last, dc_last: gradients of the\n"
      "outputs, each None for none. Returns (dx, dh0, dc0, dkernel, drecurrent_kernel, dbias);\n"
      "dbias is None when bias is None.");
  m.def(
      "gru_forward",
      [k](py::handle x, py::handle kernel, py::handle rec, py::handle bias, py::handle h0,
          py::handle mask, py::handle rmask, py::handle activation, py::handle recurrent_activation,
          bool reset_after, bool go_backwards, bool training) {
        CallArgs a{x,          kernel, rec,   bias,       h0,
                   py::none(), mask,   rmask, activation, recurrent_activation};
        a.reset_after = reset_after;
        a.go_backwards = go_backwards;
        return forward(Kind::gru, k.gru_forward, a, training);
      },
      py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("mask") = py::none(), py::arg("recurrent_mask") = py::none(), py::kw_only(),
      py::arg("activation") = "tanh", py::arg("recurrent_activation") = "sigmoid",
      py::arg("reset_after") = true, py::arg("go_backwards") = false, py::arg("training") = true,
      "GRU over a whole sequence (Keras 3 semantics, gate order z, r, h;\n"
      "h = z * h_prev + (1 - z) * hh). kernel (features, 3u); recurrent_kernel (u, 3u); bias\n"
      "(2, 3u) (input row, recurrent row) when reset_after else (3u,), or None. Masks and\n"
      "outputs as lstm_forward. Returns (h_seq, h_last, state).");
  m.def(
      "gru_backward",
      [k](py::handle dh_seq, py::handle dh_last, py::handle x, py::handle kernel, py::handle rec,
          py::handle bias, py::handle h0, py::handle mask, py::handle rmask, py::handle h_seq,
          py::handle state, py::handle activation, py::handle recurrent_activation,
          bool reset_after, bool go_backwards) {
        CallArgs a{x,          kernel, rec,   bias,       h0,
                   py::none(), mask,   rmask, activation, recurrent_activation};
        a.reset_after = reset_after;
        a.go_backwards = go_backwards;
        return backward(Kind::gru, k.gru_backward, a, {dh_seq, dh_last, py::none(), h_seq, state});
      },
      py::arg("dh_seq"), py::arg("dh_last"), py::arg("x"), py::arg("kernel"),
      py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"), py::arg("mask"),
      py::arg("recurrent_mask"), py::arg("h_seq"), py::arg("state"), py::kw_only(),
      py::arg("activation"), py::arg("recurrent_activation"), py::arg("reset_after"),
      py::arg("go_backwards"),
      "Backward through time of gru_forward. Returns (dx, dh0, dkernel, drecurrent_kernel,\n"
      "dbias); dbias is shaped like bias, None when bias is None.");
  m.def(
      "simple_rnn_forward",
      [k](py::handle x, py::handle kernel, py::handle rec, py::handle bias, py::handle h0,
          py::handle mask, py::handle rmask, py::handle activation, bool go_backwards,
          bool training) {
        CallArgs a{x, kernel, rec, bias, h0, py::none(), mask, rmask, activation, py::none()};
        a.go_backwards = go_backwards;
        return forward(Kind::simple, k.simple_rnn_forward, a, training);
      },
      py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("mask") = py::none(), py::arg("recurrent_mask") = py::none(), py::kw_only(),
      py::arg("activation") = "tanh", py::arg("go_backwards") = false, py::arg("training") = true,
      "SimpleRNN over a whole sequence: h = activation(x W + h_prev U + b). kernel (features, u);\n"
      "recurrent_kernel (u, u); bias (u,) or None. Masks and outputs as lstm_forward. Returns\n"
      "(h_seq, h_last, state); state is () (the output is all the backward needs).");
  m.def(
      "simple_rnn_backward",
      [k](py::handle dh_seq, py::handle dh_last, py::handle x, py::handle kernel, py::handle rec,
          py::handle bias, py::handle h0, py::handle mask, py::handle rmask, py::handle h_seq,
          py::handle state, py::handle activation, bool go_backwards) {
        CallArgs a{x, kernel, rec, bias, h0, py::none(), mask, rmask, activation, py::none()};
        a.go_backwards = go_backwards;
        return backward(Kind::simple, k.simple_rnn_backward, a,
                        {dh_seq, dh_last, py::none(), h_seq, state});
      },
      py::arg("dh_seq"), py::arg("dh_last"), py::arg("x"), py::arg("kernel"),
      py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"), py::arg("mask"),
      py::arg("recurrent_mask"), py::arg("h_seq"), py::arg("state"), py::kw_only(),
      py::arg("activation"), py::arg("go_backwards"),
      "Backward through time of simple_rnn_forward. Returns (dx, dh0, dkernel,\n"
      "drecurrent_kernel, dbias).");
}

}  // namespace ember::bindings
