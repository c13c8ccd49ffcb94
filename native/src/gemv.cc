// OpenBLAS matrix-vector product (sgemv): one pass over a matrix per query, without the packing that
// sgemm does for a single row (which costs as much as the product itself).
#include <cblas.h>

#include <algorithm>

#include "args.h"
#include "ops.h"

namespace reclens {
namespace {

// sgemv(trans, m, n, alpha, A, lda, x, beta, y): row-major A is m x n (leading dimension lda);
// y = alpha * op(A) x + beta * y, op(A) = A (x has n entries, y m) or A^T (x has m, y n).
Napi::Value Sgemv(const Napi::CallbackInfo& info) {
  const char* op = "sgemv";
  requireArgs(info, 9, op);
  Napi::Env env = info.Env();
  bool trans = boolArg(info, 0, op, "trans");
  size_t m = sizeArg(info, 1, op, "m");
  size_t n = sizeArg(info, 2, op, "n");
  float alpha = static_cast<float>(numberArg(info, 3, op, "alpha"));
  View<float> a = arrayArg<float>(info, 4, op, "A");
  size_t lda = sizeArg(info, 5, op, "lda");
  View<float> x = arrayArg<float>(info, 6, op, "x");
  float beta = static_cast<float>(numberArg(info, 7, op, "beta"));
  View<float> y = arrayArg<float>(info, 8, op, "y");
  if (lda < std::max<size_t>(1, n)) throwRange(env, "sgemv: leading dimension smaller than the row length");
  const size_t xLen = trans ? m : n, yLen = trans ? n : m;
  requireLength(env, a, m == 0 || n == 0 ? 0 : (m - 1) * lda + n, op, "A");
  requireLength(env, x, xLen, op, "x");
  requireLength(env, y, yLen, op, "y");
  if (yLen == 0) return env.Undefined();
  if (xLen == 0) {
    // Nothing to multiply: y = beta * y (beta = 0 clears, as BLAS does).
    for (size_t i = 0; i < yLen; ++i) y.data[i] = beta == 0.0f ? 0.0f : beta * y.data[i];
    return env.Undefined();
  }
  cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
              alpha, a.data, static_cast<blasint>(lda), x.data, 1, beta, y.data, 1);
  return env.Undefined();
}

}  // namespace

void registerGemv(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemv", Napi::Function::New(env, Sgemv, "sgemv"));
}

}  // namespace reclens
