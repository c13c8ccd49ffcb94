// A vectorisable single-precision exp: GCC turns loops over it into SIMD code, where std::exp stays
// a scalar libm call. Cody-Waite range reduction and the Cephes expf polynomial: relative error of a
// couple of ulp; exp(x) = 0 below -87.3 (so exp(-inf) = 0), +inf above 88.4, NaN stays NaN.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace reclens {

inline float vexp(float x) {
  const float hi = 88.3762626647949f;
  const float lo = -87.3365447504021f;
  float xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  xc = xc == xc ? xc : 0.0f;  // NaN: compute on 0, restore NaN below
  // n = round(x / ln 2) by the 1.5 * 2^23 trick (round-to-nearest, vectorises without SSE4.1 rounding).
  const float magic = 12582912.0f;
  const float n = (xc * 1.44269504088896341f + magic) - magic;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  const int32_t e = (static_cast<int32_t>(n) + 127) * (1 << 23);
  float scale;
  std::memcpy(&scale, &e, sizeof scale);
  float y = p * scale;
  y = x < lo ? 0.0f : y;
  y = x > hi ? INFINITY : y;
  return x == x ? y : x;
}

}  // namespace reclens
