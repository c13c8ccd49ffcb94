// A small persistent thread pool for the addon's non-BLAS kernels. Workers sleep on a condition
// variable (no spinning) so they do not steal cores from OpenBLAS threads between calls.
#pragma once

#include <cstddef>
#include <functional>

namespace reclens {

/** Sets the number of threads parallelFor uses (the calling thread counts as one); n >= 1. */
void setPoolThreads(int n);

/** Threads parallelFor uses. */
int poolThreads();

/**
 * Runs body(begin, end) over disjoint chunks covering [0, n). Work is split across the pool only
 * when `work` (a rough count of element operations for the whole range) is large enough to pay for
 * waking the workers; otherwise body(0, n) runs on the calling thread. body must not throw.
 */
void parallelFor(size_t n, double work, const std::function<void(size_t, size_t)>& body);

}  // namespace reclens
