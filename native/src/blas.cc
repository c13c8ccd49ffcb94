// OpenBLAS entry points: sgemm, thread control and build information.
#include <cblas.h>

#include <algorithm>
#include <string>

#include "args.h"
#include "ops.h"
#include "pool.h"

namespace reclens {
namespace {

// Elements a stored matrix of `rows` rows, `cols` used columns and leading dimension `ld` spans.
size_t spanOf(size_t rows, size_t cols, size_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): row-major
// C = alpha * op(A) * op(B) + beta * C, where op(A) is m x k and op(B) is k x n.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const char* op = "sgemm";
  requireArgs(info, 13, op);
  Napi::Env env = info.Env();
  bool ta = boolArg(info, 0, op, "transA");
  bool tb = boolArg(info, 1, op, "transB");
  size_t m = sizeArg(info, 2, op, "m");
  size_t n = sizeArg(info, 3, op, "n");
  size_t k = sizeArg(info, 4, op, "k");
  float alpha = static_cast<float>(numberArg(info, 5, op, "alpha"));
  View<float> a = arrayArg<float>(info, 6, op, "A");
  size_t lda = sizeArg(info, 7, op, "lda");
  View<float> b = arrayArg<float>(info, 8, op, "B");
  size_t ldb = sizeArg(info, 9, op, "ldb");
  float beta = static_cast<float>(numberArg(info, 10, op, "beta"));
  View<float> c = arrayArg<float>(info, 11, op, "C");
  size_t ldc = sizeArg(info, 12, op, "ldc");

  // Stored shapes (row-major): A is m x k, or k x m when transposed; likewise B.
  size_t aRows = ta ? k : m, aCols = ta ? m : k;
  size_t bRows = tb ? n : k, bCols = tb ? k : n;
  if (lda < std::max<size_t>(1, aCols) || ldb < std::max<size_t>(1, bCols) || ldc < std::max<size_t>(1, n)) {
    throwRange(env, "sgemm: leading dimension smaller than the row length");
  }
  requireLength(env, a, spanOf(aRows, aCols, lda), op, "A");
  requireLength(env, b, spanOf(bRows, bCols, ldb), op, "B");
  requireLength(env, c, spanOf(m, n, ldc), op, "C");
  if (m == 0 || n == 0) return env.Undefined();
  if (k == 0) {
    // Nothing to multiply: C = beta * C (beta = 0 clears, ignoring NaN in C as BLAS does).
    for (size_t i = 0; i < m; ++i) {
      float* row = c.data + i * ldc;
      for (size_t j = 0; j < n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
    }
    return env.Undefined();
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a.data, static_cast<blasint>(lda), b.data,
              static_cast<blasint>(ldb), beta, c.data, static_cast<blasint>(ldc));
  return env.Undefined();
}

// setThreads(n): OpenBLAS threads and the addon's own pool.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "setThreads");
  size_t n = sizeArg(info, 0, "setThreads", "n");
  if (n < 1 || n > 1024) throwRange(info.Env(), "setThreads: n must be in [1, 1024], got " + std::to_string(n));
  openblas_set_num_threads(static_cast<int>(n));
  setPoolThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

// getThreads(): the thread count OpenBLAS reports.
Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

// config(): { config, corename, parallel, procs } as reported by OpenBLAS.
Napi::Value Config(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("config", Napi::String::New(env, openblas_get_config()));
  o.Set("corename", Napi::String::New(env, openblas_get_corename()));
  o.Set("parallel", Napi::Number::New(env, openblas_get_parallel()));
  o.Set("procs", Napi::Number::New(env, openblas_get_num_procs()));
  return o;
}

}  // namespace

void registerBlas(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
}

}  // namespace reclens
