#include "bindings/args.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <tuple>

namespace ember::bindings {
namespace {

std::string repr_of(py::handle obj) { return std::string(py::str(py::repr(obj))); }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_sequence(py::handle obj) {
  return py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj);
}

}  // namespace

i64 to_i64(py::handle obj, const std::string& op, const char* name) {
  if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
    throw py::type_error(op + ": " + name + " must be an int, received " + repr_of(obj));
  }
  py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0) {
    throw std::overflow_error(op + ": " + name + " " + repr_of(obj) + " does not fit in int64");
  }
  return static_cast<i64>(v);
}

std::pair<i64, i64> parse_pair(py::handle obj, const std::string& op, const char* name) {
  if (is_sequence(obj)) {
    py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    if (seq.size() != 2) {
      throw py::value_error(op + ": " + name + " must be an int or a tuple of 2 ints, received " +
                            repr_of(obj));
    }
    return {to_i64(seq[0], op, name), to_i64(seq[1], op, name)};
  }
  if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
    throw py::type_error(op + ": " + name + " must be an int or a tuple of 2 ints, received " +
                         repr_of(obj));
  }
  const i64 v = to_i64(obj, op, name);
  return {v, v};
}

PaddingArg parse_padding(py::handle obj, const std::string& op, bool allow_explicit) {
  PaddingArg p;
  if (py::isinstance<py::str>(obj)) {
    const std::string mode = lower(obj.cast<std::string>());
    if (mode == "valid") return p;
    if (mode == "same") {
      p.mode = Padding::same;
      return p;
    }
  } else if (allow_explicit && is_sequence(obj)) {
    py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    std::vector<i64> v;
    if (seq.size() == 4) {
      for (py::handle item : seq) v.push_back(to_i64(item, op, "padding"));
    } else if (seq.size() == 2 && is_sequence(seq[0]) && is_sequence(seq[1])) {
      for (py::handle pair : seq) {
        py::sequence inner = py::reinterpret_borrow<py::sequence>(pair);
        if (inner.size() != 2) break;
        for (py::handle item : inner) v.push_back(to_i64(item, op, "padding"));
      }
    }
    if (v.size() == 4) {
      p.mode = Padding::explicit_pads;
      p.top = v[0];
      p.bottom = v[1];
      p.left = v[2];
      p.right = v[3];
      return p;
    }
  }
  throw py::value_error(op + ": padding must be 'valid' or 'same'" +
                        std::string(allow_explicit
                                        ? " or (top, bottom, left, right) / ((top, bottom), "
                                          "(left, right))"
                                        : "") +
                        "; received " + repr_of(obj));
}

Activation parse_activation(py::handle obj, const std::string& op) {
  if (obj.is_none()) return Activation::linear;
  if (py::isinstance<py::str>(obj)) {
    const std::string name = lower(obj.cast<std::string>());
    if (name == "linear") return Activation::linear;
    if (name == "relu") return Activation::relu;
    if (name == "tanh") return Activation::tanh;
    if (name == "sigmoid") return Activation::sigmoid;
  }
  throw py::value_error(op + ": activation must be one of None, 'linear', 'relu', 'tanh', " +
                        "'sigmoid'; received " + repr_of(obj));
}

ActFn parse_act_fn(py::handle obj, const std::string& op) {
  static const std::pair<const char*, ActFn> kNames[] = {
      {"linear", ActFn::linear},
      {"relu", ActFn::relu},
      {"relu6", ActFn::relu6},
      {"leaky_relu", ActFn::leaky_relu},
      {"sigmoid", ActFn::sigmoid},
      {"tanh", ActFn::tanh},
      {"elu", ActFn::elu},
      {"selu", ActFn::selu},
      {"softplus", ActFn::softplus},
      {"softsign", ActFn::softsign},
      {"swish", ActFn::swish},
      {"silu", ActFn::swish},
      {"gelu", ActFn::gelu},
      {"gelu_tanh", ActFn::gelu_tanh},
      {"hard_sigmoid", ActFn::hard_sigmoid},
      {"exponential", ActFn::exponential},
  };
  if (py::isinstance<py::str>(obj)) {
    const std::string name = lower(obj.cast<std::string>());
    for (const auto& [known, fn] : kNames) {
      if (name == known) return fn;
    }
  }
  std::string all;
  for (const auto& entry : kNames)
    all += (all.empty() ? "'" : ", '") + std::string(entry.first) + "'";
  throw py::value_error(op + ": activation name must be one of " + all + "; received " +
                        repr_of(obj));
}

Conv2dParams conv_params(const ConvArgs& args, const std::string& op) {
  if (args.groups != 1) {
    throw py::value_error(op + ": groups must be 1 (grouped convolution is not supported); " +
                          "received " + std::to_string(args.groups));
  }
  Conv2dParams p;
  std::tie(p.stride_h, p.stride_w) = parse_pair(args.strides, op, "strides");
  std::tie(p.dilation_h, p.dilation_w) = parse_pair(args.dilation, op, "dilation_rate");
  const PaddingArg pad = parse_padding(args.padding, op, true);
  p.padding = pad.mode;
  p.pad_top = pad.top;
  p.pad_bottom = pad.bottom;
  p.pad_left = pad.left;
  p.pad_right = pad.right;
  return p;
}

RnnAct parse_rnn_act(py::handle obj, const std::string& op, const char* name) {
  static const std::pair<const char*, RnnAct> kNames[] = {{"tanh", RnnAct::tanh},
                                                          {"sigmoid", RnnAct::sigmoid},
                                                          {"hard_sigmoid", RnnAct::hard_sigmoid},
                                                          {"relu", RnnAct::relu},
                                                          {"linear", RnnAct::linear}};
  if (py::isinstance<py::str>(obj)) {
    std::string s = obj.cast<std::string>();
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [known, act] : kNames) {
      if (s == known) return act;
    }
  }
  throw py::value_error(op + ": " + name +
                        " must be one of 'tanh', 'sigmoid', 'hard_sigmoid', 'relu', 'linear'; " +
                        "received " + std::string(py::str(py::repr(obj))));
}

}  // namespace ember::bindings
