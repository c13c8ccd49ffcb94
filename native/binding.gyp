{
  # reclens native kernels over the system OpenBLAS. scripts/build-native.mjs passes the OpenBLAS
  # include and library folders (-Dopenblas_include=... -Dopenblas_libdir=...); the defaults are
  # Debian/Ubuntu's libopenblas-dev layout. Portable code generation (x86-64-v2, plus AVX2 clones of
  # the hot loops chosen at load time, see RECLENS_HOT); -fno-trapping-math / -fno-math-errno only
  # drop floating-point exception flags and errno, which lets GCC vectorise comparisons and sqrt.
  "variables": {
    "openblas_include%": "/usr/include/x86_64-linux-gnu/openblas-pthread",
    "openblas_libdir%": "/usr/lib/x86_64-linux-gnu/openblas-pthread",
    "openblas_lib%": "openblas"
  },
  "targets": [
    {
      "target_name": "reclens_native",
      "sources": [
        "src/addon.cc",
        "src/blas.cc",
        "src/gemv.cc",
        "src/lapack.cc",
        "src/sparse.cc",
        "src/rows.cc",
        "src/elementwise.cc",
        "src/layernorm.cc",
        "src/pool.cc",
        "src/sae.cc",
        "src/lapack-inplace.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(openblas_include)"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fopenmp-simd", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags": ["-O3", "-march=x86-64-v2", "-mtune=generic", "-fno-trapping-math", "-fno-math-errno"]
        }, {
          "cflags": ["-O3", "-fno-trapping-math", "-fno-math-errno"]
        }]
      ],
      "libraries": [
        "-L<(openblas_libdir)",
        "-Wl,-rpath,<(openblas_libdir)",
        "-l<(openblas_lib)",
        "-pthread"
      ]
    }
  ]
}
