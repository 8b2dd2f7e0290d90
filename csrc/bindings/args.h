// Parsing of the small Keras-style arguments: strides, dilation, pool sizes, padding, activation.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "gemm/isa_table.h"
#include "kernels/geometry.h"

namespace ember::bindings {

namespace py = pybind11;

// A Python int (or numpy integer) as int64: TypeError for bools, floats and the like,
// OverflowError when it does not fit.
i64 to_i64(py::handle obj, const std::string& op, const char* name);

// An int or a pair of ints, as Keras accepts for strides, dilation_rate and pool_size.
// Range checks (>= 1) happen in the geometry so they can name the axis.
std::pair<i64, i64> parse_pair(py::handle obj, const std::string& op, const char* name);

// "valid" | "same" | (top, bottom, left, right) | ((top, bottom), (left, right)).
struct PaddingArg {
  Padding mode = Padding::valid;
  i64 top = 0, bottom = 0, left = 0, right = 0;
};
PaddingArg parse_padding(py::handle obj, const std::string& op, bool allow_explicit);

// A recurrent activation name: tanh, sigmoid, hard_sigmoid, relu or linear (any case).
RnnAct parse_rnn_act(py::handle obj, const std::string& op, const char* name);

// The geometry arguments of a conv2d binding (CPU and CUDA alike); groups must be 1.
struct ConvArgs {
  py::handle strides, padding, dilation;
  int groups;
};
Conv2dParams conv_params(const ConvArgs& args, const std::string& op);

// None | "linear" | "relu" | "tanh" | "sigmoid".
Activation parse_activation(py::handle obj, const std::string& op);

// The name of an elementwise activation (kernels/activation.h), case-insensitive; "silu" is
// "swish".
ActFn parse_act_fn(py::handle obj, const std::string& op);

}  // namespace ember::bindings
