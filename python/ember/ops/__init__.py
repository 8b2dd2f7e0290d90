"""Differentiable operations: each a small ``Function`` that calls ember's compiled kernels.

Families mirror the layers and kernels: ``math`` (arithmetic, reductions, shapes),
``core`` (dense, dropout, rescaling), ``convolutional``, ``pooling``, ``activations``,
``normalization``, ``merge`` and ``losses``.
"""
