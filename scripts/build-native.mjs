// Builds the OpenBLAS N-API addon (native/) at install time when the system OpenBLAS headers and
// library are present. Prints exactly one line and always exits 0: without the addon reclens runs on
// its reference kernels. Run it again by hand with `node scripts/build-native.mjs`.
// RECLENS_SKIP_NATIVE=1 skips the build; OPENBLAS_INCLUDE / OPENBLAS_LIBDIR point at a custom install.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = join(root, "native");
const addonPath = join(nativeDir, "build", "Release", "reclens_native.node");
const logPath = join(nativeDir, "build", "build-native.log");
const fallback = "reclens uses the reference kernels";

function done(message) {
  console.log(`reclens: ${message}`);
  process.exit(0);
}

/** Folders named by `pkg-config <flag> openblas` (-I or -L entries), or [] when unavailable. */
function pkgConfigDirs(flag, prefix) {
  const r = spawnSync("pkg-config", [flag, "openblas"], { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout) return [];
  return r.stdout
    .split(/\s+/)
    .filter((t) => t.startsWith(prefix))
    .map((t) => t.slice(prefix.length));
}

function triplet() {
  if (process.arch === "x64") return "x86_64-linux-gnu";
  if (process.arch === "arm64") return "aarch64-linux-gnu";
  return `${process.arch}-linux-gnu`;
}

/** The first folder holding an OpenBLAS cblas.h (one that declares openblas_set_num_threads). */
function findInclude() {
  const t = triplet();
  const candidates = [
    process.env.OPENBLAS_INCLUDE,
    ...pkgConfigDirs("--cflags", "-I"),
    `/usr/include/${t}/openblas-pthread`,
    `/usr/include/${t}/openblas-openmp`,
    `/usr/include/${t}/openblas-serial`,
    `/usr/include/${t}`,
    "/usr/include/openblas",
    "/usr/include",
    "/usr/local/include",
    "/opt/OpenBLAS/include",
    "/opt/homebrew/opt/openblas/include",
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    const header = join(dir, "cblas.h");
    if (existsSync(header) && readFileSync(header, "utf8").includes("openblas_set_num_threads")) return dir;
  }
  return undefined;
}

/** The first folder holding the OpenBLAS development library (libopenblas.so / .dylib / .a). */
function findLibDir() {
  const t = triplet();
  const candidates = [
    process.env.OPENBLAS_LIBDIR,
    ...pkgConfigDirs("--libs", "-L"),
    `/usr/lib/${t}/openblas-pthread`,
    `/usr/lib/${t}/openblas-openmp`,
    `/usr/lib/${t}/openblas-serial`,
    `/usr/lib/${t}`,
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
    "/opt/OpenBLAS/lib",
    "/opt/homebrew/opt/openblas/lib",
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    if (["libopenblas.so", "libopenblas.dylib"].some((f) => existsSync(join(dir, f)))) return dir;
  }
  return undefined;
}

/** node-gyp's entry script: the project's devDependency, else the copy npm bundles. */
function findNodeGyp() {
  try {
    return createRequire(join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    return bundled && existsSync(bundled) ? bundled : undefined;
  }
}

/** Node headers: npm's nodedir setting, else the distribution's /usr/include/node. */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && existsSync(join(configured, "include", "node", "node_api.h"))) return configured;
  if (existsSync("/usr/include/node/node_api.h")) return "/usr";
  return undefined; // node-gyp then looks for (or downloads) headers itself
}

if (process.env.RECLENS_SKIP_NATIVE === "1")
  done(`native BLAS addon skipped (RECLENS_SKIP_NATIVE=1); ${fallback}`);
const include = findInclude();
const libDir = findLibDir();
if (!include || !libDir) {
  done(`OpenBLAS not found (install libopenblas-dev for the fast backend); ${fallback}`);
}
const nodeGyp = findNodeGyp();
if (!nodeGyp) done(`node-gyp not found, native BLAS addon not built; ${fallback}`);

const nodeDir = findNodeDir();
const args = [
  nodeGyp,
  "rebuild",
  ...(nodeDir ? [`--nodedir=${nodeDir}`] : []),
  "--",
  `-Dopenblas_include=${include}`,
  `-Dopenblas_libdir=${libDir}`,
];
const build = spawnSync(process.execPath, args, {
  cwd: nativeDir,
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
const log = `$ node ${args.join(" ")}\n${build.stdout ?? ""}${build.stderr ?? ""}${build.error ? String(build.error) : ""}\n`;
mkdirSync(dirname(logPath), { recursive: true });
writeFileSync(logPath, log);
if (build.status !== 0 || !existsSync(addonPath)) {
  done(`native BLAS addon build failed (log: native/build/build-native.log); ${fallback}`);
}

// Load it in a fresh process: linking can succeed while the runtime library is missing.
const probe = spawnSync(
  process.execPath,
  [
    "-e",
    `const a = require(${JSON.stringify(addonPath)}); const c = a.config(); console.log(c.config.split(" ").slice(0, 2).join(" ") + ", " + c.corename)`,
  ],
  { encoding: "utf8" },
);
if (probe.status !== 0) {
  writeFileSync(logPath, `${log}\n$ load check\n${probe.stderr}`);
  done(`native BLAS addon built but does not load (log: native/build/build-native.log); ${fallback}`);
}
done(`native BLAS addon built (${probe.stdout.trim()})`);
