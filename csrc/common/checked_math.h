// Overflow-checked size arithmetic. Shapes come from users; every product that sizes a buffer
// goes through these before anything is allocated.
#pragma once

#include <stdexcept>
#include <string>

#include "common/types.h"

namespace ember {

// a * b, or std::overflow_error naming `what` when the product does not fit in int64.
inline i64 checked_mul(i64 a, i64 b, const char* what) {
  i64 out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    throw std::overflow_error(std::string(what) + ": size " + std::to_string(a) + " * " +
                              std::to_string(b) + " overflows int64");
  }
  return out;
}

inline i64 checked_add(i64 a, i64 b, const char* what) {
  i64 out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    throw std::overflow_error(std::string(what) + ": size " + std::to_string(a) + " + " +
                              std::to_string(b) + " overflows int64");
  }
  return out;
}

// Product of all dims, overflow-checked.
template <typename... Ts>
i64 checked_product(const char* what, i64 first, Ts... rest) {
  i64 out = first;
  ((out = checked_mul(out, static_cast<i64>(rest), what)), ...);
  return out;
}

}  // namespace ember
