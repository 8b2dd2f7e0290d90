#include "bindings/tensor_lists.h"

#include <algorithm>
#include <tuple>

namespace ember::bindings {
namespace {

// "list", "numpy.float32": the type of a non-array item, as a reader would name it.
std::string type_name(py::handle obj) {
  py::handle type = py::type::of(obj);
  const std::string module = py::str(type.attr("__module__"));
  const std::string name = py::str(type.attr("__qualname__"));
  return module == "builtins" ? name : module + "." + name;
}

py::sequence as_list(py::handle obj, const std::string& op, const char* name) {
  if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
    throw py::type_error(op + ": " + name + " must be a list or tuple of arrays, received " +
                         type_name(obj));
  }
  return py::reinterpret_borrow<py::sequence>(obj);
}

std::string item(const char* name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

void check_count(std::size_t have, const ArrayList* like, const std::string& op, const char* name,
                 const char* like_name) {
  if (like != nullptr && static_cast<i64>(have) != like->count()) {
    throw py::value_error(op + ": " + name + " must hold " + std::to_string(like->count()) +
                          " arrays (one per entry of " + like_name + "), received " +
                          std::to_string(have));
  }
}

void check_like(const Shape& shape, std::size_t i, const ArrayList* like, const std::string& op,
                const char* name, const char* like_name) {
  if (like != nullptr && shape != like->shapes[i]) {
    throw py::value_error(op + ": " + item(name, i) + " must have shape " +
                          shape_str(like->shapes[i]) + " (the shape of " + item(like_name, i) +
                          "), received " + shape_str(shape));
  }
}

i64 size_of(const Shape& shape) {
  i64 n = 1;
  for (i64 d : shape) n *= d;
  return n;
}

}  // namespace

ArrayList writable_list(py::handle obj, const std::string& op, const char* name,
                        const ArrayList* like, const char* like_name) {
  py::sequence seq = as_list(obj, op, name);
  const std::size_t n = seq.size();
  check_count(n, like, op, name, like_name);
  ArrayList out;
  out.keep.reserve(n);
  out.data.reserve(n);
  out.sizes.reserve(n);
  out.shapes.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    py::handle h = seq[i];
    if (!py::isinstance<py::array>(h)) {
      throw py::type_error(op + ": " + item(name, i) +
                           " must be a writable C-contiguous float32 numpy array (it is updated "
                           "in place), received " +
                           type_name(h));
    }
    py::array a = py::reinterpret_borrow<py::array>(h);
    std::string problem;
    if (!py::isinstance<py::array_t<float>>(a)) {
      problem = std::string(py::str(a.dtype())) + " array";
    } else if ((a.flags() & py::array::c_style) == 0) {
      problem = "a non-contiguous array";
    } else if (!a.writeable()) {
      problem = "a read-only array";
    }
    if (!problem.empty()) {
      throw py::type_error(op + ": " + item(name, i) +
                           " must be a writable C-contiguous float32 array (it is updated in "
                           "place), received " +
                           problem);
    }
    Shape shape = shape_of(a);
    check_like(shape, i, like, op, name, like_name);
    out.data.push_back(static_cast<float*>(a.mutable_data()));
    out.sizes.push_back(size_of(shape));
    out.shapes.push_back(std::move(shape));
    out.keep.push_back(std::move(a));
  }
  return out;
}

ArrayList readonly_list(py::handle obj, const std::string& op, const char* name,
                        const ArrayList* like, const char* like_name) {
  py::sequence seq = as_list(obj, op, name);
  const std::size_t n = seq.size();
  check_count(n, like, op, name, like_name);
  ArrayList out;
  out.keep.reserve(n);
  out.data.reserve(n);
  out.sizes.reserve(n);
  out.shapes.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    py::handle h = seq[i];
    py::array a;
    if (py::isinstance<py::array_t<float>>(h) &&
        (py::reinterpret_borrow<py::array>(h).flags() & py::array::c_style) != 0) {
      a = py::reinterpret_borrow<py::array>(h);  // the common case: used as it is
    } else {
      const std::string what = item(name, i);
      a = to_float32(as_real_array(h, op, what.c_str()), op, what.c_str());
    }
    Shape shape = shape_of(a);
    check_like(shape, i, like, op, name, like_name);
    out.data.push_back(const_cast<float*>(static_cast<const float*>(a.data())));
    out.sizes.push_back(size_of(shape));
    out.shapes.push_back(std::move(shape));
    out.keep.push_back(std::move(a));
  }
  return out;
}

void require_disjoint(std::initializer_list<std::pair<const ArrayList*, const char*>> lists,
                      const std::string& op) {
  // (begin, end, position in the argument order), sorted by begin: an array overlaps an earlier
  // one exactly when it begins before the furthest end seen so far. Empty arrays hold no memory.
  // Names are only formed for the message: this runs on every optimizer step.
  using Span = std::tuple<const char*, const char*, std::size_t>;
  std::vector<Span> spans;
  std::vector<std::pair<const char*, std::size_t>> where;  // (list name, index) per position
  for (const auto& [list, name] : lists) {
    if (list == nullptr) continue;
    for (std::size_t i = 0; i < list->data.size(); ++i) {
      if (list->sizes[i] == 0) continue;
      const char* begin = reinterpret_cast<const char*>(list->data[i]);
      spans.emplace_back(begin, begin + list->sizes[i] * sizeof(float), where.size());
      where.emplace_back(name, i);
    }
  }
  std::sort(spans.begin(), spans.end());
  std::size_t furthest = 0;
  for (std::size_t k = 1; k < spans.size(); ++k) {
    const auto& [b0, e0, n0] = spans[furthest];
    const auto& [b1, e1, n1] = spans[k];
    if (b1 < e0) {
      const auto& first = where[std::min(n0, n1)];
      const auto& second = where[std::max(n0, n1)];
      throw py::value_error(op + ": " + item(first.first, first.second) + " and " +
                            item(second.first, second.second) +
                            " share memory; every array an update writes must be distinct");
    }
    if (e1 > e0) furthest = k;
  }
}

}  // namespace ember::bindings
