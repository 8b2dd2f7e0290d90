// ember._C: the compiled kernels. ember._C.ref holds the reference kernels with the same API.
#include <pybind11/pybind11.h>

#include "bindings/kernel_tables.h"
#include "common/allocator.h"
#include "gemm/isa.h"

namespace py = pybind11;
using namespace ember::bindings;

PYBIND11_MODULE(_C, m) {
  m.doc() =
      "ember's compiled kernels (GEMM, conv2d, pooling, activations, dropout, batch "
      "normalization, losses, optimizer updates, LSTM/GRU/SimpleRNN sequences)";
  // An EMBER_ISA the CPU cannot run fails the import with a clear message.
  ember::select_isa_from_environment();
  m.attr("_allocator_tuned") = ember::tune_allocator();
  bind_info(m);

  bind_gemm(m, false);
  bind_conv2d(m, {ember::conv2d_forward, ember::conv2d_backward_input,
                  ember::conv2d_backward_weight, ember::conv2d_backward_bias});
  bind_pool(m, {ember::max_pool2d_forward, ember::max_pool2d_backward, ember::avg_pool2d_forward,
                ember::avg_pool2d_backward, ember::global_avg_pool2d_forward,
                ember::global_avg_pool2d_backward, ember::global_max_pool2d_forward,
                ember::global_max_pool2d_backward});
  bind_activation(m, {ember::activation_forward, ember::activation_backward, ember::relu_forward,
                      ember::relu_backward, ember::softmax_forward, ember::softmax_backward});
  bind_dropout(m, {ember::dropout_apply});
  bind_batchnorm(m, {ember::batchnorm_train_forward, ember::batchnorm_train_backward,
                     ember::batchnorm_inference_forward, ember::batchnorm_inference_backward});
  bind_loss(m, {ember::softmax_xent_forward_labels, ember::softmax_xent_forward_dense,
                ember::softmax_xent_backward_labels, ember::softmax_xent_backward_dense,
                ember::sigmoid_xent_forward, ember::sigmoid_xent_backward});
  bind_optim(m,
             {ember::sgd_update, ember::adam_update, ember::rmsprop_update, ember::adagrad_update,
              ember::weight_decay, ember::global_norm, ember::scale_arrays, ember::clip_arrays});
  bind_reduce(m, {ember::column_sums});
  bind_rnn(m, {ember::lstm_forward, ember::lstm_backward, ember::gru_forward, ember::gru_backward,
               ember::simple_rnn_forward, ember::simple_rnn_backward});

  py::module_ ref = m.def_submodule("ref", "Reference kernels: naive loops, one thread.");
  bind_gemm(ref, true);
  bind_conv2d(ref, {ember::ref::conv2d_forward, ember::ref::conv2d_backward_input,
                    ember::ref::conv2d_backward_weight, ember::ref::conv2d_backward_bias});
  bind_pool(ref, {ember::ref::max_pool2d_forward, ember::ref::max_pool2d_backward,
                  ember::ref::avg_pool2d_forward, ember::ref::avg_pool2d_backward,
                  ember::ref::global_avg_pool2d_forward, ember::ref::global_avg_pool2d_backward,
                  ember::ref::global_max_pool2d_forward, ember::ref::global_max_pool2d_backward});
  bind_activation(ref, {ember::ref::activation_forward, ember::ref::activation_backward,
                        ember::ref::relu_forward, ember::ref::relu_backward,
                        ember::ref::softmax_forward, ember::ref::softmax_backward});
  bind_dropout(ref, {ember::ref::dropout_apply});
  bind_batchnorm(
      ref, {ember::ref::batchnorm_train_forward, ember::ref::batchnorm_train_backward,
            ember::ref::batchnorm_inference_forward, ember::ref::batchnorm_inference_backward});
  bind_loss(ref, {ember::ref::softmax_xent_forward_labels, ember::ref::softmax_xent_forward_dense,
                  ember::ref::softmax_xent_backward_labels, ember::ref::softmax_xent_backward_dense,
                  ember::ref::sigmoid_xent_forward, ember::ref::sigmoid_xent_backward});
  bind_optim(ref, {ember::ref::sgd_update, ember::ref::adam_update, ember::ref::rmsprop_update,
                   ember::ref::adagrad_update, ember::ref::weight_decay, ember::ref::global_norm,
                   ember::ref::scale_arrays, ember::ref::clip_arrays});
  bind_reduce(ref, {ember::ref::column_sums});
  bind_rnn(ref, {ember::ref::lstm_forward, ember::ref::lstm_backward, ember::ref::gru_forward,
                 ember::ref::gru_backward, ember::ref::simple_rnn_forward,
                 ember::ref::simple_rnn_backward});
}
