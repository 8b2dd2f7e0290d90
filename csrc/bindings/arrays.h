// numpy <-> kernel pointers: conversion and validation shared by every binding.
// Errors name the op and the argument, with what was expected and what was received.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/types.h"

namespace ember::bindings {

namespace py = pybind11;

using Float32 = py::array_t<float, py::array::c_style | py::array::forcecast>;
using Int32 = py::array_t<std::int32_t, py::array::c_style>;
using Shape = std::vector<i64>;

// numpy array view of obj (no copy for arrays). TypeError unless its dtype is real-valued
// (float, int, unsigned, bool): complex, object, string and datetime arrays are rejected.
py::array as_real_array(py::handle obj, const std::string& op, const char* name);

Shape shape_of(const py::array& a);
std::string shape_str(const Shape& shape);

// ValueError "op: name must be rank R (layout); received shape (...)".
void require_rank(const py::array& a, int rank, const std::string& op, const char* name,
                  const char* layout);

// MemoryError before allocating more than this machine's physical memory (which would otherwise
// be overcommitted and end with the process killed).
void check_allocation(i64 elements, i64 element_size, const std::string& op, const char* what);

// C-contiguous float32 data for a, copying (and converting) only when a is not already so.
Float32 to_float32(const py::array& a, const std::string& op, const char* name);

// The float32 output: `out` checked (float32, C-contiguous, writable, exactly `shape`) or a new
// uninitialised array. The kernels write every element.
Float32 float_output(const Shape& shape, py::handle out, const std::string& op);
Int32 index_output(const Shape& shape, const std::string& op);

// Max-pooling positions: integer array of exactly `shape` with every value in [0, limit).
Int32 to_indices(py::handle obj, const Shape& shape, i64 limit, const std::string& op);

// ValueError "op: name must have shape (...)<why>, received (...)" unless got == want.
void require_shape(const Shape& got, const Shape& want, const std::string& op, const char* name,
                   const std::string& why = "");

// An optional per-channel vector (gamma, beta, ...): None stays None, otherwise shape (n,).
// Returns whether it was given.
bool optional_vector(py::handle obj, i64 n, const std::string& op, const char* name,
                     const std::string& why, Float32* out);

// A shape argument (tuple of ints) of the given rank, every entry >= 1.
Shape parse_shape(py::handle obj, int rank, const std::string& op, const char* name);

}  // namespace ember::bindings
