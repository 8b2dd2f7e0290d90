// The two implementations every kernel binding is registered for: the optimized kernels
// (ember._C) and the reference kernels (ember._C.ref). Tests iterate over both.
#pragma once

#include <pybind11/pybind11.h>

#include "kernels/activation.h"
#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/dropout.h"
#include "kernels/loss.h"
#include "kernels/optim.h"
#include "kernels/pool.h"
#include "kernels/reduce.h"
#include "kernels/rnn.h"
#include "kernels/softmax.h"
#include "ref/ref.h"

namespace ember::bindings {

struct ConvKernels {
  decltype(&ember::conv2d_forward) forward;
  decltype(&ember::conv2d_backward_input) backward_input;
  decltype(&ember::conv2d_backward_weight) backward_weight;
  decltype(&ember::conv2d_backward_bias) backward_bias;
};

struct PoolKernels {
  decltype(&ember::max_pool2d_forward) max_forward;
  decltype(&ember::max_pool2d_backward) max_backward;
  decltype(&ember::avg_pool2d_forward) avg_forward;
  decltype(&ember::avg_pool2d_backward) avg_backward;
  decltype(&ember::global_avg_pool2d_forward) global_avg_forward;
  decltype(&ember::global_avg_pool2d_backward) global_avg_backward;
  decltype(&ember::global_max_pool2d_forward) global_max_forward;
  decltype(&ember::global_max_pool2d_backward) global_max_backward;
};

struct ActivationKernels {
  decltype(&ember::activation_forward) forward;
  decltype(&ember::activation_backward) backward;
  decltype(&ember::relu_forward) relu_forward;
  decltype(&ember::relu_backward) relu_backward;
  decltype(&ember::softmax_forward) softmax_forward;
  decltype(&ember::softmax_backward) softmax_backward;
};

struct DropoutKernels {
  decltype(&ember::dropout_apply) apply;
};

struct BatchNormKernels {
  decltype(&ember::batchnorm_train_forward) train_forward;
  decltype(&ember::batchnorm_train_backward) train_backward;
  decltype(&ember::batchnorm_inference_forward) inference_forward;
  decltype(&ember::batchnorm_inference_backward) inference_backward;
};

struct LossKernels {
  decltype(&ember::softmax_xent_forward_labels) softmax_forward_labels;
  decltype(&ember::softmax_xent_forward_dense) softmax_forward_dense;
  decltype(&ember::softmax_xent_backward_labels) softmax_backward_labels;
  decltype(&ember::softmax_xent_backward_dense) softmax_backward_dense;
  decltype(&ember::sigmoid_xent_forward) sigmoid_forward;
  decltype(&ember::sigmoid_xent_backward) sigmoid_backward;
};

struct OptimKernels {
  decltype(&ember::sgd_update) sgd;
  decltype(&ember::adam_update) adam;
  decltype(&ember::rmsprop_update) rmsprop;
  decltype(&ember::adagrad_update) adagrad;
  decltype(&ember::weight_decay) weight_decay;
  decltype(&ember::global_norm) global_norm;
  decltype(&ember::scale_arrays) scale;
  decltype(&ember::clip_arrays) clip;
};

struct ReduceKernels {
  decltype(&ember::column_sums) column_sums;
};

struct RnnKernels {
  decltype(&ember::lstm_forward) lstm_forward;
  decltype(&ember::lstm_backward) lstm_backward;
  decltype(&ember::gru_forward) gru_forward;
  decltype(&ember::gru_backward) gru_backward;
  decltype(&ember::simple_rnn_forward) simple_rnn_forward;
  decltype(&ember::simple_rnn_backward) simple_rnn_backward;
};

void bind_gemm(pybind11::module_& m, bool reference);
void bind_conv2d(pybind11::module_& m, const ConvKernels& kernels);
void bind_pool(pybind11::module_& m, const PoolKernels& kernels);
void bind_activation(pybind11::module_& m, const ActivationKernels& kernels);
void bind_dropout(pybind11::module_& m, const DropoutKernels& kernels);
void bind_batchnorm(pybind11::module_& m, const BatchNormKernels& kernels);
void bind_loss(pybind11::module_& m, const LossKernels& kernels);
void bind_optim(pybind11::module_& m, const OptimKernels& kernels);
void bind_reduce(pybind11::module_& m, const ReduceKernels& kernels);
void bind_rnn(pybind11::module_& m, const RnnKernels& kernels);
void bind_info(pybind11::module_& m);

}  // namespace ember::bindings
