// The parts of ember._C_cuda, each bound by its own file.
#pragma once

#include <pybind11/pybind11.h>

namespace ember::cuda_bindings {

void bind_math(pybind11::module_& m);   // array arithmetic for ember.cuda.CudaArray
void bind_nn(pybind11::module_& m);     // GEMM, conv2d, pooling, activations, dropout, losses
void bind_optim(pybind11::module_& m);  // optimizer updates and gradient utilities
void bind_rnn(pybind11::module_& m);    // LSTM / GRU / SimpleRNN sequences

}  // namespace ember::cuda_bindings
