// Row-wise kernels: top-k selection, softmax and log-softmax, parallel over rows.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "args.h"
#include "ops.h"
#include "pool.h"
#include "vexp.h"

namespace reclens {
namespace {

struct Entry {
  float v;
  int32_t i;
};

// Ranking order: larger value first, NaN after every number, ties by lower column index. A functor
// (not a function pointer) so std::nth_element and std::sort inline it.
struct RanksBefore {
  bool operator()(const Entry& a, const Entry& b) const {
    const bool na = std::isnan(a.v), nb = std::isnan(b.v);
    if (na || nb) return na && nb ? a.i < b.i : nb;
    return a.v > b.v || (a.v == b.v && a.i < b.i);
  }
};
constexpr RanksBefore ranksBefore{};

// Largest number among x[0, n) (NaN entries ignored; -inf when there is none).
inline float chunkMax(const float* x, size_t n) {
  float m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (size_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// Replaces the root of the heap h[0, k) (worst entry on top) with e and restores the heap.
inline void replaceWorst(Entry* h, size_t k, Entry e) {
  size_t i = 0;
  for (;;) {
    const size_t l = 2 * i + 1;
    if (l >= k) break;
    const size_t r = l + 1;
    const size_t worse = (r < k && ranksBefore(h[l], h[r])) ? r : l;
    if (!ranksBefore(e, h[worse])) break;
    h[i] = h[worse];
    i = worse;
  }
  h[i] = e;
}

// Top-k of one row into (idx, val), best first. A heap keeps the k best so far with the worst on
// top; its value is the threshold a later column must beat (strictly: later columns lose ties).
// Chunks of 16 are pre-checked with a vectorised max, so most columns cost one SIMD compare.
void topKRow(const float* x, size_t cols, size_t k, std::vector<Entry>& buf, int32_t* idx, float* val) {
  if (k == 0) return;
  buf.resize(k);
  Entry* h = buf.data();
  for (size_t j = 0; j < k; ++j) h[j] = Entry{x[j], static_cast<int32_t>(j)};
  std::make_heap(buf.begin(), buf.end(), ranksBefore);
  float thr = h[0].v;
  bool thrNaN = std::isnan(thr);
  constexpr size_t kChunk = 16;
  for (size_t c = k; c < cols; c += kChunk) {
    const size_t ce = std::min(cols, c + kChunk);
    if (!thrNaN && !(chunkMax(x + c, ce - c) > thr)) continue;
    for (size_t j = c; j < ce; ++j) {
      const float v = x[j];
      if (thrNaN ? std::isnan(v) : !(v > thr)) continue;
      replaceWorst(h, k, Entry{v, static_cast<int32_t>(j)});
      thr = h[0].v;
      thrNaN = std::isnan(thr);
    }
  }
  std::sort(buf.begin(), buf.end(), ranksBefore);
  for (size_t t = 0; t < k; ++t) {
    idx[t] = h[t].i;
    val[t] = h[t].v;
  }
}

// rowTopK(A, rows, cols, k, outIdx, outVal).
Napi::Value RowTopK(const Napi::CallbackInfo& info) {
  const char* op = "rowTopK";
  requireArgs(info, 6, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  size_t k = sizeArg(info, 3, op, "k");
  View<int32_t> idx = arrayArg<int32_t>(info, 4, op, "indices");
  View<float> val = arrayArg<float>(info, 5, op, "values");
  if (k > cols) throwRange(env, "rowTopK: k=" + std::to_string(k) + " exceeds " + std::to_string(cols) + " columns");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, idx, rows * k, op, "indices");
  requireLength(env, val, rows * k, op, "values");
  double work = static_cast<double>(rows) * cols * 2;
  parallelFor(rows, work, [&](size_t r0, size_t r1) {
    std::vector<Entry> buf;
    for (size_t i = r0; i < r1; ++i) topKRow(a.data + i * cols, cols, k, buf, idx.data + i * k, val.data + i * k);
  });
  return env.Undefined();
}

// Row maximum (NaN entries are skipped by the comparison, as in the reference; a row holding NaN
// yields NaN outputs either way, through the exponential sum).
float rowMax(const float* x, size_t n) {
  float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
  for (size_t j = 0; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
  return mx;
}

// sum_j exp(x_j - mx); also stores the exponentials in y when y is not null. Blocks of 256 are
// summed in float vector lanes (so the loop vectorises), the block sums in double.
RECLENS_HOT double expSum(const float* x, size_t n, float mx, float* y) {
  constexpr size_t kBlock = 256;
  double total = 0;
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = std::min(n, b + kBlock);
    float s = 0;
    if (y != nullptr) {
#pragma omp simd reduction(+ : s)
      for (size_t j = b; j < e; ++j) {
        const float v = vexp(x[j] - mx);
        y[j] = v;
        s += v;
      }
    } else {
#pragma omp simd reduction(+ : s)
      for (size_t j = b; j < e; ++j) s += vexp(x[j] - mx);
    }
    total += s;
  }
  return total;
}

RECLENS_HOT void scaleInPlace(float* y, size_t n, float c) {
  for (size_t j = 0; j < n; ++j) y[j] *= c;
}

RECLENS_HOT void subtractInto(const float* x, size_t n, float c, float* y) {
  for (size_t j = 0; j < n; ++j) y[j] = x[j] - c;
}

// softmaxRows(A, rows, cols, out, log): row-wise softmax, or log-softmax when `log` is true.
Napi::Value SoftmaxRows(const Napi::CallbackInfo& info) {
  const char* op = "softmaxRows";
  requireArgs(info, 5, op);
  Napi::Env env = info.Env();
  View<float> a = arrayArg<float>(info, 0, op, "A");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> out = arrayArg<float>(info, 3, op, "out");
  bool log = boolArg(info, 4, op, "log");
  requireLength(env, a, rows * cols, op, "A");
  requireLength(env, out, rows * cols, op, "out");
  double work = static_cast<double>(rows) * cols * 8;
  parallelFor(rows, work, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      const float* x = a.data + i * cols;
      float* y = out.data + i * cols;
      const float mx = rowMax(x, cols);
      if (log) {
        const double s = expSum(x, cols, mx, nullptr);
        subtractInto(x, cols, static_cast<float>(static_cast<double>(mx) + std::log(s)), y);
      } else {
        const double s = expSum(x, cols, mx, y);
        scaleInPlace(y, cols, static_cast<float>(1.0 / s));
      }
    }
  });
  return env.Undefined();
}

// causalSoftmax(P, n): in place over an n x n block, row i becomes the softmax of its entries j <= i
// and 0 beyond (causal attention weights).
Napi::Value CausalSoftmax(const Napi::CallbackInfo& info) {
  const char* op = "causalSoftmax";
  requireArgs(info, 2, op);
  Napi::Env env = info.Env();
  View<float> p = arrayArg<float>(info, 0, op, "P");
  size_t n = sizeArg(info, 1, op, "n");
  requireLength(env, p, n * n, op, "P");
  for (size_t i = 0; i < n; ++i) {
    float* x = p.data + i * n;
    const float mx = rowMax(x, i + 1);
    const double s = expSum(x, i + 1, mx, x);
    scaleInPlace(x, i + 1, static_cast<float>(1.0 / s));
    std::fill(x + i + 1, x + n, 0.0f);
  }
  return env.Undefined();
}

// causalSoftmaxGrad(dP, P, D, n, drop, keep, scale): in place, dP (the gradient of the weights
// used, D = dropped P when `drop`, else P) becomes the gradient of the scores: for j <= i
// g_j = (drop ? (D_j != 0 ? dP_j keep : 0) : dP_j), dS_j = P_j (g_j - sum_l g_l P_l) scale; 0 beyond.
Napi::Value CausalSoftmaxGrad(const Napi::CallbackInfo& info) {
  const char* op = "causalSoftmaxGrad";
  requireArgs(info, 7, op);
  Napi::Env env = info.Env();
  View<float> dp = arrayArg<float>(info, 0, op, "dP");
  View<float> p = arrayArg<float>(info, 1, op, "P");
  View<float> d = arrayArg<float>(info, 2, op, "D");
  size_t n = sizeArg(info, 3, op, "n");
  bool drop = boolArg(info, 4, op, "drop");
  const float keep = static_cast<float>(numberArg(info, 5, op, "keep"));
  const double scale = numberArg(info, 6, op, "scale");
  requireLength(env, dp, n * n, op, "dP");
  requireLength(env, p, n * n, op, "P");
  requireLength(env, d, n * n, op, "D");
  for (size_t i = 0; i < n; ++i) {
    float* g = dp.data + i * n;
    const float* pr = p.data + i * n;
    if (drop) {
      const float* dr = d.data + i * n;
      for (size_t j = 0; j <= i; ++j) g[j] = dr[j] != 0.0f ? g[j] * keep : 0.0f;
    }
    double dot = 0;
    for (size_t j = 0; j <= i; ++j) dot += static_cast<double>(g[j]) * pr[j];
    for (size_t j = 0; j <= i; ++j) g[j] = static_cast<float>(pr[j] * (g[j] - dot) * scale);
    std::fill(g + i + 1, g + n, 0.0f);
  }
  return env.Undefined();
}

}  // namespace

void registerRows(Napi::Env env, Napi::Object exports) {
  exports.Set("rowTopK", Napi::Function::New(env, RowTopK, "rowTopK"));
  exports.Set("softmaxRows", Napi::Function::New(env, SoftmaxRows, "softmaxRows"));
  exports.Set("causalSoftmax", Napi::Function::New(env, CausalSoftmax, "causalSoftmax"));
  exports.Set("causalSoftmaxGrad", Napi::Function::New(env, CausalSoftmaxGrad, "causalSoftmaxGrad"));
}

}  // namespace reclens
