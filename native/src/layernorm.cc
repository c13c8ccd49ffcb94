// Layer normalisation over rows, forward and backward, with the row statistics in double as the
// TypeScript reference (src/tensor/kernels/reference.ts layerNormRows / layerNormRowsGrad).
#include <cmath>

#include "args.h"
#include "ops.h"
#include "pool.h"

namespace reclens {
namespace {

RECLENS_HOT void forwardRows(const float* x, size_t cols, const float* gain, const float* bias, double eps, float* y,
                             float* xhat, double* rstd, size_t r0, size_t r1) {
  for (size_t i = r0; i < r1; ++i) {
    const float* xr = x + i * cols;
    double mean = 0;
    for (size_t j = 0; j < cols; ++j) mean += xr[j];
    mean /= static_cast<double>(cols);
    double var = 0;
    for (size_t j = 0; j < cols; ++j) {
      const double d = xr[j] - mean;
      var += d * d;
    }
    const double rs = 1.0 / std::sqrt(var / static_cast<double>(cols) + eps);
    rstd[i] = rs;
    float* yr = y + i * cols;
    float* hr = xhat + i * cols;
    for (size_t j = 0; j < cols; ++j) {
      const double h = (xr[j] - mean) * rs;
      hr[j] = static_cast<float>(h);
      yr[j] = static_cast<float>(h * gain[j] + bias[j]);
    }
  }
}

RECLENS_HOT void backwardRows(const float* dy, size_t cols, const float* gain, const float* xhat, const double* rstd,
                              float* dx, size_t r0, size_t r1) {
  for (size_t i = r0; i < r1; ++i) {
    const float* g = dy + i * cols;
    const float* h = xhat + i * cols;
    double s1 = 0;
    double s2 = 0;
    for (size_t j = 0; j < cols; ++j) {
      const double d = static_cast<double>(g[j]) * gain[j];
      s1 += d;
      s2 += d * h[j];
    }
    s1 /= static_cast<double>(cols);
    s2 /= static_cast<double>(cols);
    float* o = dx + i * cols;
    for (size_t j = 0; j < cols; ++j)
      o[j] = static_cast<float>(o[j] + rstd[i] * (static_cast<double>(g[j]) * gain[j] - s1 - h[j] * s2));
  }
}

// layerNormRows(x, rows, cols, gain, bias, eps, y, xhat, rstd): y = xhat * gain + bias per row.
Napi::Value LayerNormRows(const Napi::CallbackInfo& info) {
  const char* op = "layerNormRows";
  requireArgs(info, 9, op);
  Napi::Env env = info.Env();
  View<float> x = arrayArg<float>(info, 0, op, "x");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> gain = arrayArg<float>(info, 3, op, "gain");
  View<float> bias = arrayArg<float>(info, 4, op, "bias");
  double eps = numberArg(info, 5, op, "eps");
  View<float> y = arrayArg<float>(info, 6, op, "y");
  View<float> xhat = arrayArg<float>(info, 7, op, "xhat");
  View<double> rstd = arrayArg<double>(info, 8, op, "rstd");
  requireLength(env, x, rows * cols, op, "x");
  requireLength(env, gain, cols, op, "gain");
  requireLength(env, bias, cols, op, "bias");
  requireLength(env, y, rows * cols, op, "y");
  requireLength(env, xhat, rows * cols, op, "xhat");
  requireLength(env, rstd, rows, op, "rstd");
  parallelFor(rows, static_cast<double>(rows) * cols * 6, [&](size_t r0, size_t r1) {
    forwardRows(x.data, cols, gain.data, bias.data, eps, y.data, xhat.data, rstd.data, r0, r1);
  });
  return env.Undefined();
}

// layerNormRowsGrad(dy, rows, cols, gain, xhat, rstd, dx): dx += the input gradient.
Napi::Value LayerNormRowsGrad(const Napi::CallbackInfo& info) {
  const char* op = "layerNormRowsGrad";
  requireArgs(info, 7, op);
  Napi::Env env = info.Env();
  View<float> dy = arrayArg<float>(info, 0, op, "dy");
  size_t rows = sizeArg(info, 1, op, "rows");
  size_t cols = sizeArg(info, 2, op, "cols");
  View<float> gain = arrayArg<float>(info, 3, op, "gain");
  View<float> xhat = arrayArg<float>(info, 4, op, "xhat");
  View<double> rstd = arrayArg<double>(info, 5, op, "rstd");
  View<float> dx = arrayArg<float>(info, 6, op, "dx");
  requireLength(env, dy, rows * cols, op, "dy");
  requireLength(env, gain, cols, op, "gain");
  requireLength(env, xhat, rows * cols, op, "xhat");
  requireLength(env, rstd, rows, op, "rstd");
  requireLength(env, dx, rows * cols, op, "dx");
  parallelFor(rows, static_cast<double>(rows) * cols * 6, [&](size_t r0, size_t r1) {
    backwardRows(dy.data, cols, gain.data, xhat.data, rstd.data, dx.data, r0, r1);
  });
  return env.Undefined();
}

}  // namespace

void registerLayerNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("layerNormRows", Napi::Function::New(env, LayerNormRows, "layerNormRows"));
  exports.Set("layerNormRowsGrad", Napi::Function::New(env, LayerNormRowsGrad, "layerNormRowsGrad"));
}

}  // namespace reclens
