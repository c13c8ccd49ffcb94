// Registration hooks: each source file adds its functions to the module's exports.
#pragma once

#include <napi.h>

// Marks a hot loop for function multi-versioning: GCC builds an AVX2+FMA clone next to the portable
// x86-64-v2 one and picks at load time, so the binary stays portable across CI machines.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RECLENS_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RECLENS_HOT
#endif

namespace reclens {

void registerBlas(Napi::Env env, Napi::Object exports);
void registerGemv(Napi::Env env, Napi::Object exports);
void registerLapack(Napi::Env env, Napi::Object exports);
void registerSparse(Napi::Env env, Napi::Object exports);
void registerRows(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerLayerNorm(Napi::Env env, Napi::Object exports);
void registerSae(Napi::Env env, Napi::Object exports);
void registerLapackInPlace(Napi::Env env, Napi::Object exports);

}  // namespace reclens
