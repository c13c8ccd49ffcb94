// Sparse-code products of the SAE backward pass, threaded over disjoint outputs (deterministic: every
// output element is written by exactly one thread, summing in a fixed order).
//   sddmm:     vals[p] += <G[r, :], W[indices[p], :]> for the stored entries p of row r whose column
//              lies in [lo, hi) (the gradient reaching a k-sparse code through its decoder).
//   denseTCsr: out (k x cols) = alpha * C^T A + beta * out, C dense (rows x k), A CSR (rows x cols)
//              (the encoder-weight gradient C^T dP, written straight into W_enc's layout).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "ops.h"
#include "pool.h"

namespace reclens {
namespace {

// Latents per tile in denseTCsr: one tile of A^T times C stays in cache (kTile x k floats) while it
// is written, transposed, into kTile adjacent columns of the output.
constexpr size_t kTile = 32;

struct Pattern {
  const int32_t* indptr;
  const int32_t* indices;
  size_t rows;
};

// Checks a CSR pattern completely (monotone row pointers from 0, column indices in [0, cols)).
Pattern patternArgs(const Napi::CallbackInfo& info, size_t first, size_t rows, size_t cols, const char* op) {
  Napi::Env env = info.Env();
  View<int32_t> indptr = arrayArg<int32_t>(info, first, op, "indptr");
  View<int32_t> indices = arrayArg<int32_t>(info, first + 1, op, "indices");
  requireLength(env, indptr, rows + 1, op, "indptr");
  if (indptr.data[0] != 0) throwRange(env, std::string(op) + ": indptr[0] must be 0");
  for (size_t i = 0; i < rows; ++i) {
    const int32_t s = indptr.data[i], e = indptr.data[i + 1];
    if (e < s || static_cast<size_t>(e) > indices.length) {
      throwRange(env, std::string(op) + ": sparse row " + std::to_string(i) + " has invalid bounds [" +
                          std::to_string(s) + ", " + std::to_string(e) + ") for " +
                          std::to_string(indices.length) + " stored indices");
    }
    for (int32_t p = s; p < e; ++p) {
      const int32_t c = indices.data[p];
      if (c < 0 || static_cast<size_t>(c) >= cols) {
        throwRange(env, std::string(op) + ": column index " + std::to_string(c) + " at position " +
                            std::to_string(p) + " (row " + std::to_string(i) + ") out of range [0, " +
                            std::to_string(cols) + ")");
      }
    }
  }
  return Pattern{indptr.data, indices.data, rows};
}

RECLENS_HOT float dotRow(const float* __restrict a, const float* __restrict b, size_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  size_t c = 0;
  for (; c + 8 <= n; c += 8) {
    s0 += a[c] * b[c];
    s1 += a[c + 1] * b[c + 1];
    s2 += a[c + 2] * b[c + 2];
    s3 += a[c + 3] * b[c + 3];
    s4 += a[c + 4] * b[c + 4];
    s5 += a[c + 5] * b[c + 5];
    s6 += a[c + 6] * b[c + 6];
    s7 += a[c + 7] * b[c + 7];
  }
  for (; c < n; ++c) s0 += a[c] * b[c];
  return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7));
}

// sddmm(indptr, indices, rows, cols, G, W, n, lo, hi, vals): vals[p] += <G[r], W[indices[p]]> for the
// entries of row r with lo <= indices[p] < hi; G is rows x n, W is cols x n.
Napi::Value Sddmm(const Napi::CallbackInfo& info) {
  const char* op = "sddmm";
  requireArgs(info, 10, op);
  Napi::Env env = info.Env();
  const size_t rows = sizeArg(info, 2, op, "rows");
  const size_t cols = sizeArg(info, 3, op, "cols");
  const Pattern a = patternArgs(info, 0, rows, cols, op);
  View<float> g = arrayArg<float>(info, 4, op, "G");
  View<float> w = arrayArg<float>(info, 5, op, "W");
  const size_t n = sizeArg(info, 6, op, "n");
  const size_t lo = sizeArg(info, 7, op, "lo");
  const size_t hi = sizeArg(info, 8, op, "hi");
  View<float> vals = arrayArg<float>(info, 9, op, "vals");
  if (lo > hi || hi > cols) {
    throwRange(env, std::string(op) + ": latent range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                        ") is not inside [0, " + std::to_string(cols) + ")");
  }
  requireLength(env, g, rows * n, op, "G");
  requireLength(env, w, cols * n, op, "W");
  requireLength(env, vals, static_cast<size_t>(a.indptr[rows]), op, "vals");
  const double work = static_cast<double>(a.indptr[rows]) * n;
  const int32_t l = static_cast<int32_t>(lo), h = static_cast<int32_t>(hi);
  parallelFor(rows, work, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const float* gr = g.data + r * n;
      for (int32_t p = a.indptr[r]; p < a.indptr[r + 1]; ++p) {
        const int32_t j = a.indices[p];
        if (j >= l && j < h) vals.data[p] += dotRow(gr, w.data + static_cast<size_t>(j) * n, n);
      }
    }
  });
  return env.Undefined();
}

// tmp[t, :] = sum over entries q of row (j0 + t) of A^T of v[q] * C[idx[q], :], for t < j1 - j0.
RECLENS_HOT void tileProduct(const std::vector<int32_t>& tp, const std::vector<int32_t>& ti,
                             const std::vector<float>& tv, const float* c, size_t k, size_t j0, size_t j1,
                             float* tmp) {
  for (size_t j = j0; j < j1; ++j) {
    float* __restrict row = tmp + (j - j0) * k;
    std::fill(row, row + k, 0.0f);
    int32_t q = tp[j];
    const int32_t e = tp[j + 1];
    for (; q + 4 <= e; q += 4) {
      const float v0 = tv[q], v1 = tv[q + 1], v2 = tv[q + 2], v3 = tv[q + 3];
      const float* __restrict c0 = c + static_cast<size_t>(ti[q]) * k;
      const float* __restrict c1 = c + static_cast<size_t>(ti[q + 1]) * k;
      const float* __restrict c2 = c + static_cast<size_t>(ti[q + 2]) * k;
      const float* __restrict c3 = c + static_cast<size_t>(ti[q + 3]) * k;
      for (size_t i = 0; i < k; ++i) row[i] += v0 * c0[i] + v1 * c1[i] + v2 * c2[i] + v3 * c3[i];
    }
    for (; q < e; ++q) {
      const float v = tv[q];
      const float* __restrict cr = c + static_cast<size_t>(ti[q]) * k;
      for (size_t i = 0; i < k; ++i) row[i] += v * cr[i];
    }
  }
}

// denseTCsr(C, k, indptr, indices, values, rows, cols, alpha, beta, out):
// out (k x cols) = alpha * C^T A + beta * out with C dense rows x k and A CSR rows x cols.
Napi::Value DenseTCsr(const Napi::CallbackInfo& info) {
  const char* op = "denseTCsr";
  requireArgs(info, 10, op);
  Napi::Env env = info.Env();
  View<float> c = arrayArg<float>(info, 0, op, "C");
  const size_t k = sizeArg(info, 1, op, "k");
  const size_t rows = sizeArg(info, 5, op, "rows");
  const size_t cols = sizeArg(info, 6, op, "cols");
  const Pattern a = patternArgs(info, 2, rows, cols, op);
  View<float> values = arrayArg<float>(info, 4, op, "values");
  const float alpha = static_cast<float>(numberArg(info, 7, op, "alpha"));
  const float beta = static_cast<float>(numberArg(info, 8, op, "beta"));
  View<float> out = arrayArg<float>(info, 9, op, "out");
  const size_t nnz = static_cast<size_t>(a.indptr[rows]);
  requireLength(env, values, nnz, op, "values");
  requireLength(env, c, rows * k, op, "C");
  requireLength(env, out, k * cols, op, "out");
  // A^T by counting sort (row order kept, so each column's sum runs in a fixed order).
  std::vector<int32_t> tp(cols + 1, 0), ti(nnz);
  std::vector<float> tv(nnz);
  for (size_t p = 0; p < nnz; ++p) ++tp[static_cast<size_t>(a.indices[p]) + 1];
  for (size_t j = 0; j < cols; ++j) tp[j + 1] += tp[j];
  std::vector<int32_t> fill(tp.begin(), tp.end() - 1);
  for (size_t r = 0; r < rows; ++r) {
    for (int32_t p = a.indptr[r]; p < a.indptr[r + 1]; ++p) {
      const int32_t q = fill[static_cast<size_t>(a.indices[p])]++;
      ti[static_cast<size_t>(q)] = static_cast<int32_t>(r);
      tv[static_cast<size_t>(q)] = values.data[p];
    }
  }
  const size_t tiles = (cols + kTile - 1) / kTile;
  const double work = static_cast<double>(nnz) * k + static_cast<double>(k) * cols;
  parallelFor(tiles, work, [&](size_t t0, size_t t1) {
    std::vector<float> tmp(kTile * k);
    for (size_t t = t0; t < t1; ++t) {
      const size_t j0 = t * kTile, j1 = std::min(cols, j0 + kTile), w = j1 - j0;
      tileProduct(tp, ti, tv, c.data, k, j0, j1, tmp.data());
      for (size_t i = 0; i < k; ++i) {
        float* o = out.data + i * cols + j0;
        if (beta == 0.0f) {
          for (size_t jj = 0; jj < w; ++jj) o[jj] = alpha * tmp[jj * k + i];
        } else {
          for (size_t jj = 0; jj < w; ++jj) o[jj] = beta * o[jj] + alpha * tmp[jj * k + i];
        }
      }
    }
  });
  return env.Undefined();
}

}  // namespace

void registerSae(Napi::Env env, Napi::Object exports) {
  exports.Set("sddmm", Napi::Function::New(env, Sddmm, "sddmm"));
  exports.Set("denseTCsr", Napi::Function::New(env, DenseTCsr, "denseTCsr"));
}

}  // namespace reclens
