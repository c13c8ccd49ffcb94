// Cholesky-based inverse and solve of symmetric positive-definite matrices through the LAPACK
// routines bundled in OpenBLAS (?potrf, ?potri, ?potrs), called by their Fortran names so no LAPACKE
// library is needed.
//
// Layout: the row-major lower triangle the caller provides is the column-major upper triangle of the
// same memory, so every call uses uplo = 'U' on a column-major view without transposing anything.
#include <cblas.h>

#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "ops.h"

extern "C" {
// Fortran LAPACK; the trailing size_t is the hidden length of the character argument.
void spotrf_(const char* uplo, const blasint* n, float* a, const blasint* lda, blasint* info, size_t);
void spotri_(const char* uplo, const blasint* n, float* a, const blasint* lda, blasint* info, size_t);
void spotrs_(const char* uplo, const blasint* n, const blasint* nrhs, const float* a, const blasint* lda, float* b,
             const blasint* ldb, blasint* info, size_t);
void dpotrf_(const char* uplo, const blasint* n, double* a, const blasint* lda, blasint* info, size_t);
void dpotri_(const char* uplo, const blasint* n, double* a, const blasint* lda, blasint* info, size_t);
void dpotrs_(const char* uplo, const blasint* n, const blasint* nrhs, const double* a, const blasint* lda, double* b,
             const blasint* ldb, blasint* info, size_t);
}

namespace reclens {
namespace {

void potrf(blasint n, float* a, blasint* info) { spotrf_("U", &n, a, &n, info, 1); }
void potrf(blasint n, double* a, blasint* info) { dpotrf_("U", &n, a, &n, info, 1); }
void potri(blasint n, float* a, blasint* info) { spotri_("U", &n, a, &n, info, 1); }
void potri(blasint n, double* a, blasint* info) { dpotri_("U", &n, a, &n, info, 1); }
void potrs(blasint n, blasint nrhs, const float* a, float* b, blasint* info) {
  spotrs_("U", &n, &nrhs, a, &n, b, &n, info, 1);
}
void potrs(blasint n, blasint nrhs, const double* a, double* b, blasint* info) {
  dpotrs_("U", &n, &nrhs, a, &n, b, &n, info, 1);
}

// JavaScript's spelling of a non-finite number, so messages match the reference backend.
std::string jsNonFinite(float x) { return std::isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity"; }

// Throws naming the first non-finite entry of the lower triangle (LAPACK would not catch NaN).
void requireFiniteLower(Napi::Env env, const float* a, size_t n, const char* op) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      if (!std::isfinite(a[i * n + j])) {
        throwRange(env, std::string(op) + ": non-finite value " + jsNonFinite(a[i * n + j]) + " at (" +
                            std::to_string(i) + ", " + std::to_string(j) + ")");
      }
    }
  }
}

[[noreturn]] void throwNotSpd(Napi::Env env, const char* op, blasint info) {
  throwRange(env, std::string(op) + ": matrix is not positive definite (leading minor of order " +
                      std::to_string(info) + " is not positive)");
}

// Copies the row-major lower triangle of `a` into `work` (column-major upper, same offsets), runs
// potrf, and returns the LAPACK info code.
template <typename T>
blasint factor(const float* a, size_t n, T* work) {
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j <= i; ++j) work[i * n + j] = static_cast<T>(a[i * n + j]);
  blasint info = 0;
  potrf(static_cast<blasint>(n), work, &info);
  return info;
}

template <typename T>
void inverse(Napi::Env env, const float* a, size_t n, float* out, T* work) {
  blasint info = factor(a, n, work);
  if (info > 0) throwNotSpd(env, "spdInverse", info);
  if (info < 0) throwRange(env, "spdInverse: LAPACK ?potrf rejected argument " + std::to_string(-info));
  potri(static_cast<blasint>(n), work, &info);
  if (info != 0) throwRange(env, "spdInverse: LAPACK ?potri failed with info " + std::to_string(info));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      float v = static_cast<float>(work[i * n + j]);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
}

// spdInverse(A, n, out, useDouble): out = A^-1 for SPD A (n x n, lower triangle read).
Napi::Value SpdInverse(const Napi::CallbackInfo& info) {
  const char* op = "spdInverse";
  requireArgs(info, 4, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t n = sizeArg(info, 1, op, "n");
  View<float> out = arrayArg<float>(info, 2, op, "out");
  bool useDouble = boolArg(info, 3, op, "useDouble");
  requireLength(env, a, n * n, op, "A");
  requireLength(env, out, n * n, op, "out");
  if (n == 0) return env.Undefined();
  requireFiniteLower(env, a.data, n, op);
  if (useDouble) {
    std::vector<double> work(n * n);
    inverse(env, a.data, n, out.data, work.data());
  } else {
    std::vector<float> work(n * n);
    inverse(env, a.data, n, out.data, work.data());
  }
  return env.Undefined();
}

template <typename T>
void solve(Napi::Env env, const float* a, size_t n, const float* b, size_t nrhs, float* out) {
  std::vector<T> work(n * n);
  blasint info = factor(a, n, work.data());
  if (info > 0) throwNotSpd(env, "spdSolve", info);
  if (info < 0) throwRange(env, "spdSolve: LAPACK ?potrf rejected argument " + std::to_string(-info));
  // Right-hand sides column-major (n x nrhs), i.e. the transpose of the row-major B.
  std::vector<T> x(n * nrhs);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < nrhs; ++j) x[j * n + i] = static_cast<T>(b[i * nrhs + j]);
  potrs(static_cast<blasint>(n), static_cast<blasint>(nrhs), work.data(), x.data(), &info);
  if (info != 0) throwRange(env, "spdSolve: LAPACK ?potrs failed with info " + std::to_string(info));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < nrhs; ++j) out[i * nrhs + j] = static_cast<float>(x[j * n + i]);
}

// spdSolve(A, n, B, nrhs, out, useDouble): out = A^-1 B for SPD A (n x n), B and out n x nrhs.
Napi::Value SpdSolve(const Napi::CallbackInfo& info) {
  const char* op = "spdSolve";
  requireArgs(info, 6, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t n = sizeArg(info, 1, op, "n");
  View<float> b = arrayArg<float>(info, 2, op, "B");
  size_t nrhs = sizeArg(info, 3, op, "nrhs");
  View<float> out = arrayArg<float>(info, 4, op, "out");
  bool useDouble = boolArg(info, 5, op, "useDouble");
  requireLength(env, a, n * n, op, "A");
  requireLength(env, b, n * nrhs, op, "B");
  requireLength(env, out, n * nrhs, op, "out");
  if (n == 0) return env.Undefined();
  requireFiniteLower(env, a.data, n, op);
  if (nrhs == 0) {
    // Still factor, so a non-SPD matrix is reported even with nothing to solve.
    std::vector<float> work(n * n);
    blasint code = factor(a.data, n, work.data());
    if (code > 0) throwNotSpd(env, op, code);
    return env.Undefined();
  }
  if (useDouble) {
    solve<double>(env, a.data, n, b.data, nrhs, out.data);
  } else {
    solve<float>(env, a.data, n, b.data, nrhs, out.data);
  }
  return env.Undefined();
}

}  // namespace

void registerLapack(Napi::Env env, Napi::Object exports) {
  exports.Set("spdInverse", Napi::Function::New(env, SpdInverse, "spdInverse"));
  exports.Set("spdSolve", Napi::Function::New(env, SpdSolve, "spdSolve"));
}

}  // namespace reclens
