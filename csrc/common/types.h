// Basic types shared by every kernel. All sizes are int64 (see DESIGN.md, kernel contracts).
#pragma once

#include <cstdint>

namespace ember {

using i64 = std::int64_t;

inline i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }
inline i64 round_up(i64 a, i64 b) { return ceil_div(a, b) * b; }

}  // namespace ember
