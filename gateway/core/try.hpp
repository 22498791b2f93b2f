#pragma once
// Early returns for Result/Status values, so a sequence of fallible steps (the
// store backends' SQL, for one) reads as the sequence it is:
//   GW_TRY(step());                 // return the error if step() failed
//   GW_TRY_ASSIGN(rows, query());   // rows = *query(), or return its error
// The enclosing function must return a Result<T> or Status.
#include <utility>

#define GW_TRY(expr)                                               \
  do {                                                             \
    auto&& gw_try_result_ = (expr);                                \
    if (!gw_try_result_) return std::move(gw_try_result_).error(); \
  } while (0)
#define GW_TRY_CONCAT_(a, b) a##b
#define GW_TRY_CONCAT(a, b) GW_TRY_CONCAT_(a, b)
#define GW_TRY_ASSIGN(var, expr)                                                                       \
  auto GW_TRY_CONCAT(gw_res_, __LINE__) = (expr);                                                     \
  if (!GW_TRY_CONCAT(gw_res_, __LINE__)) return std::move(GW_TRY_CONCAT(gw_res_, __LINE__)).error(); \
  auto& var = *GW_TRY_CONCAT(gw_res_, __LINE__)
