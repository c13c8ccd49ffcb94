// Elementwise kernels (axpby, mul, add row vector, relu, Adam) and reductions (row/column sums and
// norms, total sum, dot). Reductions accumulate in double; `omp simd` (compiled with -fopenmp-simd,
// no OpenMP runtime) lets the compiler reorder just those sums into vector lanes.
#include <algorithm>
#include <cmath>
#include <vector>

#include "args.h"
#include "ops.h"
#include "pool.h"
#include "vexp.h"

namespace reclens {
namespace {

RECLENS_HOT void axpbyRange(float alpha, const float* x, float beta, const float* y, float* out, size_t b, size_t e) {
  for (size_t t = b; t < e; ++t) out[t] = alpha * x[t] + beta * y[t];
}

RECLENS_HOT void mulRange(const float* x, const float* y, float* out, size_t b, size_t e) {
  for (size_t t = b; t < e; ++t) out[t] = x[t] * y[t];
}

RECLENS_HOT void reluRange(const float* x, float* out, size_t b, size_t e) {
  for (size_t t = b; t < e; ++t) out[t] = x[t] > 0.0f ? x[t] : 0.0f;
}

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kGeluC = 0.044715f;

// tanh(z) = 1 - 2 / (1 + e^{2z}) through the vectorisable exp: +-1 in the tails (e^{2z} = inf or 0).
inline float vtanh(float z) { return 1.0f - 2.0f / (1.0f + vexp(2.0f * z)); }

RECLENS_HOT void geluRange(const float* x, float* out, float* th, size_t b, size_t e) {
  for (size_t t = b; t < e; ++t) {
    const float v = x[t];
    const float h = vtanh(kSqrt2OverPi * (v + kGeluC * v * v * v));
    th[t] = h;
    out[t] = 0.5f * v * (1.0f + h);
  }
}

RECLENS_HOT void geluGradRange(const float* x, const float* th, const float* g, float* gx, size_t b, size_t e) {
  for (size_t t = b; t < e; ++t) {
    const float v = x[t];
    const float h = th[t];
    const float d = 0.5f * (1.0f + h) + 0.5f * v * (1.0f - h * h) * kSqrt2OverPi * (1.0f + 3.0f * kGeluC * v * v);
    gx[t] += g[t] * d;
  }
}

RECLENS_HOT void addRowVectorRows(const float* a, const float* v, float* out, size_t cols, size_t r0, size_t r1) {
  for (size_t i = r0; i < r1; ++i) {
    const float* x = a + i * cols;
    float* y = out + i * cols;
    for (size_t j = 0; j < cols; ++j) y[j] = x[j] + v[j];
  }
}

struct Adam {
  float lr, beta1, beta2, eps, weightDecay;
  bool decoupled;
  // 1 - beta and the inverse bias corrections, computed in double: 1 - 0.999f would be off by 1e-5.
  float oneMinusBeta1, oneMinusBeta2, invBc1, invBc2;
};

RECLENS_HOT void adamRange(const Adam& h, float* p, const float* g, float* m, float* v, size_t b, size_t e) {
  const float l2 = h.decoupled ? 0.0f : h.weightDecay;
  const float wd = h.decoupled ? h.weightDecay : 0.0f;
  const float c1 = h.oneMinusBeta1, c2 = h.oneMinusBeta2;
  for (size_t t = b; t < e; ++t) {
    const float gt = g[t] + l2 * p[t];
    const float mt = h.beta1 * m[t] + c1 * gt;
    const float vt = h.beta2 * v[t] + c2 * gt * gt;
    m[t] = mt;
    v[t] = vt;
    const float upd = (mt * h.invBc1) / (std::sqrt(vt * h.invBc2) + h.eps);
    p[t] -= h.lr * (upd + wd * p[t]);
  }
}

double sumRange(const float* x, size_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (size_t j = 0; j < n; ++j) s += x[j];
  return s;
}

double sumSqRange(const float* x, size_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (size_t j = 0; j < n; ++j) s += static_cast<double>(x[j]) * x[j];
  return s;
}

double dotRange(const float* x, const float* y, size_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (size_t j = 0; j < n; ++j) s += static_cast<double>(x[j]) * y[j];
  return s;
}

// Adds the column sums (or sums of squares) of a rows x w block with row stride ld into acc (length w).
RECLENS_HOT void colAccumulate(const float* a, size_t ld, size_t w, size_t rows, bool squares, double* acc) {
  for (size_t i = 0; i < rows; ++i) {
    const float* x = a + i * ld;
    if (squares) {
      for (size_t j = 0; j < w; ++j) acc[j] += static_cast<double>(x[j]) * x[j];
    } else {
      for (size_t j = 0; j < w; ++j) acc[j] += x[j];
    }
  }
}

// axpby(alpha, x, beta, y, out): out = alpha*x + beta*y elementwise.
Napi::Value Axpby(const Napi::CallbackInfo& info) {
  const char* op = "axpby";
  requireArgs(info, 5, op);
  Napi::Env env = info.Env();
  float alpha = static_cast<float>(numberArg(info, 0, op, "alpha"));
  View<float> x = arrayArg<float>(info, 1, op, "x");
  float beta = static_cast<float>(numberArg(info, 2, op, "beta"));
  View<float> y = arrayArg<float>(info, 3, op, "y");
  View<float> out = arrayArg<float>(info, 4, op, "out");
  requireLength(env, y, x.length, op, "y");
  requireLength(env, out, x.length, op, "out");
  parallelFor(x.length, static_cast<double>(x.length),
              [&](size_t b, size_t e) { axpbyRange(alpha, x.data, beta, y.data, out.data, b, e); });
  return env.Undefined();
}

// mul(x, y, out): out = x * y elementwise.
Napi::Value Mul(const Napi::CallbackInfo& info) {
  const char* op = "mul";
  requireArgs(info, 3, op);
  Napi::Env env = info.Env();
  View<float> x = arrayArg<float>(info, 0, op, "x");
  View<float> y = arrayArg<float>(info, 1, op, "y");
  View<float> out = arrayArg<float>(info, 2, op, "out");
  requireLength(env, y, x.length, op, "y");
  requireLength(env, out, x.length, op, "out");
  parallelFor(x.length, static_cast<double>(x.length),
              [&](size_t b, size_t e) { mulRange(x.data, y.data, out.data, b, e); });
  return env.Undefined();
}

// relu(x, out): out = max(x, 0).
Napi::Value Relu(const Napi::CallbackInfo& info) {
  const char* op = "relu";
  requireArgs(info, 2, op);
  Napi::Env env = info.Env();
  View<float> x = arrayArg<float>(info, 0, op, "x");
  View<float> out = arrayArg<float>(info, 1, op, "out");
  requireLength(env, out, x.length, op, "out");
  parallelFor(x.length, static_cast<double>(x.length), [&](size_t b, size_t e) { reluRange(x.data, out.data, b, e); });
  return env.Undefined();
}

// gelu(x, out, th): out = GELU(x) (tanh approximation), th = the inner tanh (kept for geluGrad).
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  const char* op = "gelu";
  requireArgs(info, 3, op);
  Napi::Env env = info.Env();
  View<float> x = arrayArg<float>(info, 0, op, "x");
  View<float> out = arrayArg<float>(info, 1, op, "out");
  View<float> th = arrayArg<float>(info, 2, op, "tanh");
  requireLength(env, out, x.length, op, "out");
  requireLength(env, th, x.length, op, "tanh");
  parallelFor(x.length, 20.0 * static_cast<double>(x.length),
              [&](size_t b, size_t e) { geluRange(x.data, out.data, th.data, b, e); });
  return env.Undefined();
}

// geluGrad(x, th, g, gx): gx += g * GELU'(x), th from gelu.
Napi::Value GeluGrad(const Napi::CallbackInfo& info) {
  const char* op = "geluGrad";
  requireArgs(info, 4, op);
  Napi::Env env = info.Env();
  View<float> x = arrayArg<float>(info, 0, op, "x");
  View<float> th = arrayArg<float>(info, 1, op, "tanh");
  View<float> g = arrayArg<float>(info, 2, op, "g");
  View<float> gx = arrayArg<float>(info, 3, op, "gx");
  requireLength(env, th, x.length, op, "tanh");
  requireLength(env, g, x.length, op, "g");
  requireLength(env, gx, x.length, op, "gx");
  parallelFor(x.length, 10.0 * static_cast<double>(x.length),
              [&](size_t b, size_t e) { geluGradRange(x.data, th.data, g.data, gx.data, b, e); });
  return env.Undefined();
}

// addRowVector(A, rows, cols, v, out): out = A + v broadcast over rows.
Napi::Value AddRowVector(const Napi::CallbackInfo& info) {
  const char* op = "addRowVector";
  requireArgs(info, 5, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> v = arrayArg<float>(info, 3, op, "v");
  View<float> out = arrayArg<float>(info, 4, op, "out");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, v, cols, op, "v");
  requireLength(env, out, rows * cols, op, "out");
  parallelFor(rows, static_cast<double>(rows) * cols,
              [&](size_t r0, size_t r1) { addRowVectorRows(a.data, v.data, out.data, cols, r0, r1); });
  return env.Undefined();
}

// adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step).
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  const char* op = "adamUpdate";
  requireArgs(info, 11, op);
  Napi::Env env = info.Env();
  View<float> p = arrayArg<float>(info, 0, op, "param");
  View<float> g = arrayArg<float>(info, 1, op, "grad");
  View<float> m = arrayArg<float>(info, 2, op, "m");
  View<float> v = arrayArg<float>(info, 3, op, "v");
  Adam h{};
  h.lr = static_cast<float>(numberArg(info, 4, op, "lr"));
  double b1 = numberArg(info, 5, op, "beta1");
  double b2 = numberArg(info, 6, op, "beta2");
  h.beta1 = static_cast<float>(b1);
  h.beta2 = static_cast<float>(b2);
  h.eps = static_cast<float>(numberArg(info, 7, op, "eps"));
  h.weightDecay = static_cast<float>(numberArg(info, 8, op, "weightDecay"));
  h.decoupled = boolArg(info, 9, op, "decoupled");
  double step = numberArg(info, 10, op, "step");
  h.oneMinusBeta1 = static_cast<float>(1.0 - b1);
  h.oneMinusBeta2 = static_cast<float>(1.0 - b2);
  h.invBc1 = static_cast<float>(1.0 / (1.0 - std::pow(b1, step)));
  h.invBc2 = static_cast<float>(1.0 / (1.0 - std::pow(b2, step)));
  requireLength(env, g, p.length, op, "grad");
  requireLength(env, m, p.length, op, "m");
  requireLength(env, v, p.length, op, "v");
  parallelFor(p.length, static_cast<double>(p.length) * 4,
              [&](size_t b, size_t e) { adamRange(h, p.data, g.data, m.data, v.data, b, e); });
  return env.Undefined();
}

// reduceRows(A, rows, cols, out, squares): out[i] = sum_j A[i, j] (or sqrt of the sum of squares).
Napi::Value ReduceRows(const Napi::CallbackInfo& info) {
  const char* op = "reduceRows";
  requireArgs(info, 5, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> out = arrayArg<float>(info, 3, op, "out");
  bool norms = boolArg(info, 4, op, "norms");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, out, rows, op, "out");
  parallelFor(rows, static_cast<double>(rows) * cols, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      const float* x = a.data + i * cols;
      out.data[i] = static_cast<float>(norms ? std::sqrt(sumSqRange(x, cols)) : sumRange(x, cols));
    }
  });
  return env.Undefined();
}

// reduceCols(A, rows, cols, out, norms): column sums, or column L2 norms when `norms` is true.
Napi::Value ReduceCols(const Napi::CallbackInfo& info) {
  const char* op = "reduceCols";
  requireArgs(info, 5, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> out = arrayArg<float>(info, 3, op, "out");
  bool norms = boolArg(info, 4, op, "norms");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, out, cols, op, "out");
  // Threads take disjoint column blocks, each with its own double accumulators.
  constexpr size_t kBlock = 256;
  size_t blocks = (cols + kBlock - 1) / kBlock;
  parallelFor(blocks, static_cast<double>(rows) * cols, [&](size_t b0, size_t b1) {
    size_t c0 = b0 * kBlock, c1 = std::min(cols, b1 * kBlock);
    std::vector<double> acc(c1 - c0, 0.0);
    colAccumulate(a.data + c0, cols, c1 - c0, rows, norms, acc.data());
    for (size_t j = c0; j < c1; ++j) out.data[j] = static_cast<float>(norms ? std::sqrt(acc[j - c0]) : acc[j - c0]);
  });
  return env.Undefined();
}

// sumAll(x): sum of all elements in double.
Napi::Value SumAll(const Napi::CallbackInfo& info) {
  requireArgs(info, 1, "sumAll");
  View<float> x = arrayArg<float>(info, 0, "sumAll", "x");
  return Napi::Number::New(info.Env(), sumRange(x.data, x.length));
}

// dot(x, y): dot product in double.
Napi::Value Dot(const Napi::CallbackInfo& info) {
  requireArgs(info, 2, "dot");
  View<float> x = arrayArg<float>(info, 0, "dot", "x");
  View<float> y = arrayArg<float>(info, 1, "dot", "y");
  requireLength(info.Env(), y, x.length, "dot", "y");
  return Napi::Number::New(info.Env(), dotRange(x.data, y.data, x.length));
}

}  // namespace

// scaleRows(A, rows, cols, s, out): out[i, :] = s[i] * A[i, :]; out may be A.
Napi::Value ScaleRows(const Napi::CallbackInfo& info) {
  const char* op = "scaleRows";
  requireArgs(info, 5, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> sc = arrayArg<float>(info, 3, op, "s");
  View<float> out = arrayArg<float>(info, 4, op, "out");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, sc, rows, op, "s");
  requireLength(env, out, rows * cols, op, "out");
  parallelFor(rows, static_cast<double>(rows) * cols, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      const float f = sc.data[i];
      const float* x = a.data + i * cols;
      float* y = out.data + i * cols;
      for (size_t j = 0; j < cols; ++j) y[j] = f * x[j];
    }
  });
  return env.Undefined();
}

// projectRows(G, A, rows, cols, s, out): out[i, :] = s[i] * (G[i, :] - (G[i, :] . A[i, :]) A[i, :]),
// the part of each row of G orthogonal to the (unit) row of A, scaled; out may be G (row i is read
// completely before it is written).
Napi::Value ProjectRows(const Napi::CallbackInfo& info) {
  const char* op = "projectRows";
  requireArgs(info, 6, op);
  Napi::Env env = info.Env();
  View<float> g = arrayArg<float>(info, 0, op, "G");
  View<float> a = arrayArg<float>(info, 1, op, "A");
  size_t rows = sizeArg(info, 2, op, "rows");
  size_t cols = sizeArg(info, 3, op, "cols");
  View<float> sc = arrayArg<float>(info, 4, op, "s");
  View<float> out = arrayArg<float>(info, 5, op, "out");
  requireLength(env, g, rows * cols, op, "G");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, sc, rows, op, "s");
  requireLength(env, out, rows * cols, op, "out");
  parallelFor(rows, 2.0 * rows * cols, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      const float* gi = g.data + i * cols;
      const float* ai = a.data + i * cols;
      float* y = out.data + i * cols;
      const float proj = static_cast<float>(dotRange(gi, ai, cols));
      const float f = sc.data[i];
      for (size_t j = 0; j < cols; ++j) y[j] = f * (gi[j] - proj * ai[j]);
    }
  });
  return env.Undefined();
}

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("scaleRows", Napi::Function::New(env, ScaleRows, "scaleRows"));
  exports.Set("projectRows", Napi::Function::New(env, ProjectRows, "projectRows"));
  exports.Set("axpby", Napi::Function::New(env, Axpby, "axpby"));
  exports.Set("mul", Napi::Function::New(env, Mul, "mul"));
  exports.Set("relu", Napi::Function::New(env, Relu, "relu"));
  exports.Set("gelu", Napi::Function::New(env, Gelu, "gelu"));
  exports.Set("geluGrad", Napi::Function::New(env, GeluGrad, "geluGrad"));
  exports.Set("addRowVector", Napi::Function::New(env, AddRowVector, "addRowVector"));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate, "adamUpdate"));
  exports.Set("reduceRows", Napi::Function::New(env, ReduceRows, "reduceRows"));
  exports.Set("reduceCols", Napi::Function::New(env, ReduceCols, "reduceCols"));
  exports.Set("sumAll", Napi::Function::New(env, SumAll, "sumAll"));
  exports.Set("dot", Napi::Function::New(env, Dot, "dot"));
}

}  // namespace reclens
