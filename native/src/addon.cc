// reclens native kernels: module entry point.
#include <napi.h>

#include "ops.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  reclens::registerBlas(env, exports);
  reclens::registerGemv(env, exports);
  reclens::registerLapack(env, exports);
  reclens::registerSparse(env, exports);
  reclens::registerRows(env, exports);
  reclens::registerElementwise(env, exports);
  reclens::registerLayerNorm(env, exports);
  reclens::registerSae(env, exports);
  reclens::registerLapackInPlace(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(reclens_native, Init)
