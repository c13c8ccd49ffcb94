// Argument helpers shared by the addon's entry points: typed-array views with length checks, so a
// wrong call from JavaScript raises a JS exception instead of reading or writing out of bounds.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace reclens {

/** A raw view of a typed array's elements. */
template <typename T>
struct View {
  T* data;
  size_t length;
};

[[noreturn]] inline void throwRange(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

[[noreturn]] inline void throwType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

template <typename T>
struct TypedArrayKind;
template <>
struct TypedArrayKind<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
  static constexpr const char* name = "Float32Array";
};
template <>
struct TypedArrayKind<double> {
  static constexpr napi_typedarray_type type = napi_float64_array;
  static constexpr const char* name = "Float64Array";
};
template <>
struct TypedArrayKind<int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
  static constexpr const char* name = "Int32Array";
};

/** Argument `i` as a typed array of T; throws a TypeError naming the op and argument otherwise. */
template <typename T>
View<T> arrayArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* what) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<T>::type) {
    throwType(info.Env(), std::string(op) + ": argument " + what + " must be a " + TypedArrayKind<T>::name);
  }
  Napi::TypedArrayOf<T> arr = v.As<Napi::TypedArrayOf<T>>();
  return View<T>{arr.Data(), arr.ElementLength()};
}

/** Argument `i` as a finite number. */
inline double numberArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* what) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throwType(info.Env(), std::string(op) + ": argument " + what + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throwRange(info.Env(), std::string(op) + ": argument " + what + " must be finite");
  return d;
}

/** Argument `i` as a non-negative integer that fits in a 32-bit BLAS index. */
inline size_t sizeArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* what) {
  double d = numberArg(info, i, op, what);
  if (d < 0 || d > 2147483647.0 || std::floor(d) != d) {
    throwRange(info.Env(), std::string(op) + ": argument " + what + " must be a non-negative 32-bit integer, got " +
                               std::to_string(d));
  }
  return static_cast<size_t>(d);
}

/** Argument `i` as a boolean. */
inline bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* what) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) throwType(info.Env(), std::string(op) + ": argument " + what + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

/** Throws unless the view holds at least `need` elements. */
template <typename T>
void requireLength(Napi::Env env, const View<T>& v, size_t need, const char* op, const char* what) {
  if (v.length < need) {
    throwRange(env, std::string(op) + ": " + what + " has " + std::to_string(v.length) + " elements, needs " +
                        std::to_string(need));
  }
}

/** Throws unless the argument count is exactly `n`. */
inline void requireArgs(const Napi::CallbackInfo& info, size_t n, const char* op) {
  if (info.Length() != n) {
    throwType(info.Env(), std::string(op) + ": expected " + std::to_string(n) + " arguments, got " +
                              std::to_string(info.Length()));
  }
}

}  // namespace reclens
