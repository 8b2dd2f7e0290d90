// Lists of parameter-shaped arrays for the optimizer bindings. Everything is checked before any
// kernel runs, so a bad list leaves every array untouched.
#pragma once

#include <pybind11/numpy.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "bindings/arrays.h"

namespace ember::bindings {

struct ArrayList {
  std::vector<py::array> keep;  // the arrays (and any float32 copies) kept alive
  std::vector<float*> data;     // read-only lists are never written through these
  std::vector<i64> sizes;
  std::vector<Shape> shapes;
  i64 count() const { return static_cast<i64>(data.size()); }
  const float* const* read() const { return data.data(); }
  float* const* write() const { return data.data(); }
};

// A list or tuple of writable C-contiguous float32 arrays (updated in place). With `like`, it
// must hold as many arrays as like does, each of the matching shape.
ArrayList writable_list(py::handle obj, const std::string& op, const char* name,
                        const ArrayList* like = nullptr, const char* like_name = nullptr);

// A list or tuple of real arrays, converted to C-contiguous float32 where they are not already.
ArrayList readonly_list(py::handle obj, const std::string& op, const char* name,
                        const ArrayList* like = nullptr, const char* like_name = nullptr);

// ValueError when any two arrays of these (writable) lists overlap in memory: an update would
// then read values it has already overwritten.
void require_disjoint(std::initializer_list<std::pair<const ArrayList*, const char*>> lists,
                      const std::string& op);

}  // namespace ember::bindings
