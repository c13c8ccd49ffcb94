// Sparse (CSR) x dense products: A*B, A^T*B and D*A^T, parallel over independent output blocks.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "ops.h"
#include "pool.h"

namespace reclens {
namespace {

// denseCsrT switches from direct gathers to the transpose formulation at this many dense rows.
constexpr size_t kTransposeMinRows = 8;

struct CsrView {
  const int32_t* indptr;
  const int32_t* indices;
  const float* values;
  size_t rows;
  size_t cols;
};

// Reads (indptr, indices, values, rows, cols) starting at argument `first` and checks the structure
// completely (monotone row pointers, column indices in range), so the kernels can index blindly.
CsrView csrArgs(const Napi::CallbackInfo& info, size_t first, const char* op) {
  Napi::Env env = info.Env();
  View<int32_t> indptr = arrayArg<int32_t>(info, first, op, "indptr");
  View<int32_t> indices = arrayArg<int32_t>(info, first + 1, op, "indices");
  View<float> values = arrayArg<float>(info, first + 2, op, "values");
  size_t rows = sizeArg(info, first + 3, op, "rows");
  size_t cols = sizeArg(info, first + 4, op, "cols");
  requireLength(env, indptr, rows + 1, op, "indptr");
  if (values.length < indices.length) throwRange(env, std::string(op) + ": fewer values than indices");
  if (indptr.data[0] < 0) throwRange(env, std::string(op) + ": indptr[0] is negative");
  for (size_t i = 0; i < rows; ++i) {
    int32_t s = indptr.data[i], e = indptr.data[i + 1];
    if (e < s || static_cast<size_t>(e) > indices.length) {
      throwRange(env, std::string(op) + ": sparse row " + std::to_string(i) + " has invalid bounds [" +
                          std::to_string(s) + ", " + std::to_string(e) + ") for " + std::to_string(indices.length) +
                          " stored values");
    }
    for (int32_t p = s; p < e; ++p) {
      int32_t c = indices.data[p];
      if (c < 0 || static_cast<size_t>(c) >= cols) {
        throwRange(env, std::string(op) + ": column index " + std::to_string(c) + " at position " +
                            std::to_string(p) + " (row " + std::to_string(i) + ") out of range [0, " +
                            std::to_string(cols) + ")");
      }
    }
  }
  return CsrView{indptr.data, indices.data, values.data, rows, cols};
}

// A CSR matrix owning its arrays (the transposes built below).
struct CsrOwned {
  std::vector<int32_t> indptr;
  std::vector<int32_t> indices;
  std::vector<float> values;
  CsrView view(size_t rows, size_t cols) const { return CsrView{indptr.data(), indices.data(), values.data(), rows, cols}; }
};

// The transpose of a validated CSR matrix (counting sort, O(nnz + cols)); rows stay sorted.
CsrOwned transposeCsr(const CsrView& a) {
  CsrOwned t;
  const int32_t base = a.indptr[0];
  const size_t nnz = static_cast<size_t>(a.indptr[a.rows] - base);
  t.indptr.assign(a.cols + 1, 0);
  t.indices.resize(nnz);
  t.values.resize(nnz);
  for (int32_t p = base; p < a.indptr[a.rows]; ++p) ++t.indptr[static_cast<size_t>(a.indices[p]) + 1];
  for (size_t c = 0; c < a.cols; ++c) t.indptr[c + 1] += t.indptr[c];
  std::vector<int32_t> fill(t.indptr.begin(), t.indptr.end() - 1);
  for (size_t i = 0; i < a.rows; ++i) {
    for (int32_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      const int32_t q = fill[static_cast<size_t>(a.indices[p])]++;
      t.indices[static_cast<size_t>(q)] = static_cast<int32_t>(i);
      t.values[static_cast<size_t>(q)] = a.values[p];
    }
  }
  return t;
}

// dst (cols x rows) = src (rows x cols)^T, in 32 x 32 tiles, threads over tile rows of src.
void transposeDense(const float* src, size_t rows, size_t cols, float* dst) {
  constexpr size_t kTile = 32;
  const size_t tiles = (rows + kTile - 1) / kTile;
  parallelFor(tiles, static_cast<double>(rows) * cols, [&](size_t t0, size_t t1) {
    for (size_t i0 = t0 * kTile; i0 < std::min(rows, t1 * kTile); i0 += kTile) {
      const size_t i1 = std::min(rows, i0 + kTile);
      for (size_t j0 = 0; j0 < cols; j0 += kTile) {
        const size_t j1 = std::min(cols, j0 + kTile);
        for (size_t i = i0; i < i1; ++i)
          for (size_t j = j0; j < j1; ++j) dst[j * rows + i] = src[i * cols + j];
      }
    }
  });
}

RECLENS_HOT void scaleRow(float* row, size_t n, float beta) {
  if (beta == 0.0f) {
    std::fill(row, row + n, 0.0f);
  } else if (beta != 1.0f) {
    for (size_t j = 0; j < n; ++j) row[j] *= beta;
  }
}

// out[i, c0:c1] += alpha * sum_p A[i, p] * B[p, c0:c1] for rows i of `a` in [r0, r1); B row stride ldb.
RECLENS_HOT void csrRowsTimesDense(const CsrView& a, const float* b, size_t ldb, float alpha, float* out, size_t ldo,
                                   size_t r0, size_t r1, size_t c0, size_t c1) {
  const size_t w = c1 - c0;
  for (size_t i = r0; i < r1; ++i) {
    float* __restrict row = out + i * ldo + c0;
    int32_t p = a.indptr[i];
    const int32_t e = a.indptr[i + 1];
    // Four stored values at a time: one read-modify-write of the output row per four input rows.
    for (; p + 4 <= e; p += 4) {
      const float v0 = alpha * a.values[p], v1 = alpha * a.values[p + 1];
      const float v2 = alpha * a.values[p + 2], v3 = alpha * a.values[p + 3];
      const float* __restrict b0 = b + static_cast<size_t>(a.indices[p]) * ldb + c0;
      const float* __restrict b1 = b + static_cast<size_t>(a.indices[p + 1]) * ldb + c0;
      const float* __restrict b2 = b + static_cast<size_t>(a.indices[p + 2]) * ldb + c0;
      const float* __restrict b3 = b + static_cast<size_t>(a.indices[p + 3]) * ldb + c0;
      for (size_t j = 0; j < w; ++j) row[j] += v0 * b0[j] + v1 * b1[j] + v2 * b2[j] + v3 * b3[j];
    }
    for (; p < e; ++p) {
      const float v = alpha * a.values[p];
      const float* __restrict br = b + static_cast<size_t>(a.indices[p]) * ldb + c0;
      for (size_t j = 0; j < w; ++j) row[j] += v * br[j];
    }
  }
}

// Shared body of csrMm and csrTMm: reads (indptr, indices, values, rows, cols, B, n, alpha, beta, out)
// and computes out = alpha * op(A) * B + beta * out with op(A) = A, or A^T when `transposeA`.
// A^T is built explicitly (O(nnz)) so each output row is written once, in order, instead of being
// scattered into from every row of A.
Napi::Value csrTimesDense(const Napi::CallbackInfo& info, const char* op, bool transposeA) {
  requireArgs(info, 10, op);
  Napi::Env env = info.Env();
  CsrView a = csrArgs(info, 0, op);
  View<float> b = arrayArg<float>(info, 5, op, "B");
  size_t n = sizeArg(info, 6, op, "n");
  float alpha = static_cast<float>(numberArg(info, 7, op, "alpha"));
  float beta = static_cast<float>(numberArg(info, 8, op, "beta"));
  View<float> out = arrayArg<float>(info, 9, op, "out");
  requireLength(env, b, (transposeA ? a.rows : a.cols) * n, op, "B");
  requireLength(env, out, (transposeA ? a.cols : a.rows) * n, op, "out");
  CsrOwned t;
  CsrView m = a;
  double nnz = static_cast<double>(a.indptr[a.rows] - a.indptr[0]);
  if (transposeA) {
    t = transposeCsr(a);
    m = t.view(a.cols, a.rows);
    nnz = static_cast<double>(t.indices.size());
  }
  double work = nnz * n + static_cast<double>(m.rows) * n;
  parallelFor(m.rows, work, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) scaleRow(out.data + i * n, n, beta);
    csrRowsTimesDense(m, b.data, n, alpha, out.data, n, r0, r1, 0, n);
  });
  return env.Undefined();
}

// csrMm(indptr, indices, values, rows, cols, B, n, alpha, beta, out): out = alpha*A*B + beta*out.
Napi::Value CsrMm(const Napi::CallbackInfo& info) { return csrTimesDense(info, "csrMm", false); }

// csrTMm(indptr, indices, values, rows, cols, B, n, alpha, beta, out): out (cols x n) = alpha*A^T*B + beta*out.
Napi::Value CsrTMm(const Napi::CallbackInfo& info) { return csrTimesDense(info, "csrTMm", true); }

// out[i, j] = dot(D[i, :], S[j, :]) for rows i in [i0, i1) and sparse rows j in [j0, j1), four dense
// rows at a time so each stored (index, value) pair is loaded once per four products.
RECLENS_HOT void denseTimesCsrT(const float* d, size_t k, const CsrView& s, float* out, size_t ldo, size_t i0,
                                size_t i1, size_t j0, size_t j1) {
  size_t i = i0;
  for (; i + 4 <= i1; i += 4) {
    const float* d0 = d + i * k;
    const float* d1 = d0 + k;
    const float* d2 = d1 + k;
    const float* d3 = d2 + k;
    for (size_t j = j0; j < j1; ++j) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int32_t p = s.indptr[j]; p < s.indptr[j + 1]; ++p) {
        const size_t c = static_cast<size_t>(s.indices[p]);
        const float v = s.values[p];
        s0 += d0[c] * v;
        s1 += d1[c] * v;
        s2 += d2[c] * v;
        s3 += d3[c] * v;
      }
      out[i * ldo + j] = s0;
      out[(i + 1) * ldo + j] = s1;
      out[(i + 2) * ldo + j] = s2;
      out[(i + 3) * ldo + j] = s3;
    }
  }
  for (; i < i1; ++i) {
    const float* di = d + i * k;
    for (size_t j = j0; j < j1; ++j) {
      float acc = 0;
      for (int32_t p = s.indptr[j]; p < s.indptr[j + 1]; ++p) acc += di[s.indices[p]] * s.values[p];
      out[i * ldo + j] = acc;
    }
  }
}

// denseCsrT(D, m, indptr, indices, values, rows, cols, out): out (m x rows) = D (m x cols) * S^T.
Napi::Value DenseCsrT(const Napi::CallbackInfo& info) {
  const char* op = "denseCsrT";
  requireArgs(info, 8, op);
  Napi::Env env = info.Env();
  View<float> d = arrayArg<float>(info, 0, op, "D");
  size_t m = sizeArg(info, 1, op, "m");
  CsrView s = csrArgs(info, 2, op);
  View<float> out = arrayArg<float>(info, 7, op, "out");
  requireLength(env, d, m * s.cols, op, "D");
  requireLength(env, out, m * s.rows, op, "out");
  double work = static_cast<double>(s.indptr[s.rows] - s.indptr[0]) * m + static_cast<double>(m) * s.rows;
  if (m >= kTransposeMinRows) {
    // out^T = S D^T: transpose D, run the vectorised sparse-times-dense row kernel, transpose back.
    std::vector<float> dt(s.cols * m);
    std::vector<float> outT(s.rows * m);
    transposeDense(d.data, m, s.cols, dt.data());
    parallelFor(s.rows, work, [&](size_t r0, size_t r1) {
      std::fill(outT.begin() + static_cast<std::ptrdiff_t>(r0 * m), outT.begin() + static_cast<std::ptrdiff_t>(r1 * m), 0.0f);
      csrRowsTimesDense(s, dt.data(), m, 1.0f, outT.data(), m, r0, r1, 0, m);
    });
    transposeDense(outT.data(), s.rows, m, out.data);
    return env.Undefined();
  }
  // Few dense rows: gather products directly. Threads take disjoint sparse rows (output columns);
  // sparse rows are tiled so a tile of stored values stays in cache while every dense row passes.
  constexpr int64_t kTileNnz = 8192;
  parallelFor(s.rows, work, [&](size_t j0, size_t j1) {
    size_t t0 = j0;
    while (t0 < j1) {
      size_t t1 = t0 + 1;
      while (t1 < j1 && s.indptr[t1 + 1] - s.indptr[t0] <= kTileNnz) ++t1;
      denseTimesCsrT(d.data, s.cols, s, out.data, s.rows, 0, m, t0, t1);
      t0 = t1;
    }
  });
  return env.Undefined();
}

// csrGram(indptr, indices, values, rows, cols, out): out (cols x cols, row-major) = A^T A.
// Row i of A^T A is the sum over the users u holding item i of a_ui * (row u of A), so each output
// row is accumulated by one thread into its own cache-resident dense row (no races, no mirror pass),
// from the transpose. Rows are visited in a fixed pseudo-random order so that the heavy rows of
// popular items spread over the pool's chunks; the result does not depend on the order.
Napi::Value CsrGram(const Napi::CallbackInfo& info) {
  const char* op = "csrGram";
  requireArgs(info, 6, op);
  Napi::Env env = info.Env();
  CsrView a = csrArgs(info, 0, op);
  View<float> out = arrayArg<float>(info, 5, op, "out");
  requireLength(env, out, a.cols * a.cols, op, "out");
  CsrOwned t = transposeCsr(a);
  const CsrView at = t.view(a.cols, a.rows);
  std::vector<size_t> order(a.cols);
  for (size_t i = 0; i < a.cols; ++i) order[i] = i;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  for (size_t i = a.cols; i > 1; --i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    std::swap(order[i - 1], order[static_cast<size_t>((state >> 33) % i)]);
  }
  double work = 0;
  for (size_t u = 0; u < a.rows; ++u) {
    const double n = static_cast<double>(a.indptr[u + 1] - a.indptr[u]);
    work += n * n;
  }
  float* g = out.data;
  parallelFor(a.cols, work + static_cast<double>(a.cols) * a.cols, [&](size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) {
      const size_t i = order[k];
      float* row = g + i * a.cols;
      std::fill(row, row + a.cols, 0.0f);
      for (int32_t p = at.indptr[i]; p < at.indptr[i + 1]; ++p) {
        const size_t u = static_cast<size_t>(at.indices[p]);
        const float w = at.values[p];
        for (int32_t q = a.indptr[u]; q < a.indptr[u + 1]; ++q) row[a.indices[q]] += w * a.values[q];
      }
    }
  });
  return env.Undefined();
}

}  // namespace

void registerSparse(Napi::Env env, Napi::Object exports) {
  exports.Set("csrGram", Napi::Function::New(env, CsrGram, "csrGram"));
  exports.Set("csrMm", Napi::Function::New(env, CsrMm, "csrMm"));
  exports.Set("csrTMm", Napi::Function::New(env, CsrTMm, "csrTMm"));
  exports.Set("denseCsrT", Napi::Function::New(env, DenseCsrT, "denseCsrT"));
}

}  // namespace reclens
