// In-place inverse of a symmetric positive-definite float32 matrix through OpenBLAS's LAPACK (spotrf
// then spotri on the caller's own buffer), so inverting an n x n matrix needs no second n x n buffer
// (EASE at 30k items: one 3.4 GiB matrix instead of three).
//
// Layout: the row-major lower triangle is the column-major upper triangle of the same memory, so the
// routines run with uplo = 'U' on a column-major view, and the result is mirrored into the upper half.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "args.h"
#include "ops.h"
#include "pool.h"

extern "C" {
void spotrf_(const char* uplo, const blasint* n, float* a, const blasint* lda, blasint* info, size_t);
void spotri_(const char* uplo, const blasint* n, float* a, const blasint* lda, blasint* info, size_t);
}

namespace reclens {
namespace {

// a[j * n + i] = a[i * n + j] for j > i (lower triangle mirrored into the upper), in tiles.
void mirrorLower(float* a, size_t n) {
  constexpr size_t kT = 64;
  const size_t tiles = (n + kT - 1) / kT;
  parallelFor(tiles, static_cast<double>(n) * n / 2, [&](size_t t0, size_t t1) {
    for (size_t bi = t0; bi < t1; ++bi) {
      const size_t i0 = bi * kT, i1 = std::min(n, i0 + kT);
      for (size_t j0 = 0; j0 < i1; j0 += kT) {
        const size_t j1 = std::min(n, j0 + kT);
        for (size_t i = i0; i < i1; ++i)
          for (size_t j = j0; j < std::min(j1, i); ++j) a[j * n + i] = a[i * n + j];
      }
    }
  });
}

// spdInverseInPlace(A, n): A (n x n, lower triangle read) becomes A^-1 (full, symmetric).
// Throws (A then holds partial factors) when A has a non-finite entry or is not positive definite.
Napi::Value SpdInverseInPlace(const Napi::CallbackInfo& info) {
  const char* op = "spdInverseInPlace";
  requireArgs(info, 2, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  const size_t n = sizeArg(info, 1, op, "n");
  requireLength(env, a, n * n, op, "A");
  if (n == 0) return env.Undefined();
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      const float x = a.data[i * n + j];
      if (!std::isfinite(x)) {
        throwRange(env, std::string(op) + ": non-finite value " +
                            (std::isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity") + " at (" +
                            std::to_string(i) + ", " + std::to_string(j) + ")");
      }
    }
  }
  const blasint bn = static_cast<blasint>(n);
  blasint code = 0;
  spotrf_("U", &bn, a.data, &bn, &code, 1);
  if (code > 0) {
    throwRange(env, std::string(op) + ": matrix is not positive definite (leading minor of order " +
                        std::to_string(code) + " is not positive)");
  }
  if (code < 0) throwRange(env, std::string(op) + ": LAPACK spotrf rejected argument " + std::to_string(-code));
  spotri_("U", &bn, a.data, &bn, &code, 1);
  if (code != 0) throwRange(env, std::string(op) + ": LAPACK spotri failed with info " + std::to_string(code));
  mirrorLower(a.data, n);
  return env.Undefined();
}

}  // namespace

void registerLapackInPlace(Napi::Env env, Napi::Object exports) {
  exports.Set("spdInverseInPlace", Napi::Function::New(env, SpdInverseInPlace, "spdInverseInPlace"));
}

}  // namespace reclens
