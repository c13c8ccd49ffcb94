import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import {
  defaultBaseUrl,
  defaultDataDir,
  registeredDataset,
  registeredDatasets,
  type ArchiveSpec,
} from "./registry.js";

/** Options of {@link fetchDataset} / {@link fetchArchive}. */
export interface FetchOptions {
  /** Destination folder (default: RECLENS_DATA_DIR or ~/.cache/reclens/data). */
  dataDir?: string;
  /** Download base URL (default: RECLENS_DATA_BASE_URL or the GroupLens server). */
  baseUrl?: string;
  /** Check the archive against its pinned hashes (default true). */
  verify?: boolean;
  /** Expected SHA-256 overriding the pinned one (e.g. after an upstream re-release). */
  sha256?: string;
  /** Replace an existing copy. */
  force?: boolean;
  /** Keep the verified archive as <dataDir>/<name>.zip after extraction. */
  keepArchive?: boolean;
  /** Called as bytes arrive (total is null when the server does not say). */
  onProgress?: (received: number, total: number | null) => void;
}

/** Outcome of a fetch. */
export interface FetchResult {
  /** Folder holding the extracted files. */
  readonly dir: string;
  readonly url: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Whether the archive matched a pinned or given hash. */
  readonly verified: boolean;
  /** Number of files extracted. */
  readonly files: number;
}

/** Thrown when a download does not match its expected hash; nothing is left on disk. */
export class ChecksumMismatchError extends Error {
  /** `algo` names the hash ("sha256", "md5"). */
  constructor(url: string, algo: string, expected: string, actual: string) {
    super(`${algo} mismatch for ${url}: expected ${expected}, got ${actual}; the download was deleted`);
    this.name = "ChecksumMismatchError";
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Full URL of an archive below `baseUrl`; plain HTTP is refused except to loopback addresses (test servers). */
export function archiveUrl(baseUrl: string, archivePath: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}/${archivePath}`);
  if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && (LOOPBACK.has(url.hostname) || url.hostname.startsWith("127.")))
  ) {
    throw new Error(
      `refusing to download over ${url.protocol.replace(":", "")} from ${url.host}: use an https:// base URL`,
    );
  }
  return url.toString();
}

/** Downloads a registered dataset (see {@link fetchArchive}). */
export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const reg = registeredDataset(name);
  if (!reg)
    throw new Error(
      `unknown dataset "${name}" (known: ${registeredDatasets()
        .map((d) => d.name)
        .join(", ")})`,
    );
  if (!reg.archive)
    throw new Error(
      `${reg.name} has no download here: copy its files to <data dir>/${reg.localPath ?? reg.name} (${reg.description})`,
    );
  return fetchArchive(reg.name, reg.archive, opts);
}

/**
 * Downloads `archive` into `<dataDir>/<name>/`: streams it to a temporary file while hashing,
 * checks SHA-256 (and MD5 when pinned), extracts it into a temporary folder (dropping a single
 * top-level folder) and renames that into place. On any failure nothing is left behind.
 */
export async function fetchArchive(
  name: string,
  archive: ArchiveSpec,
  opts: FetchOptions = {},
): Promise<FetchResult> {
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  const target = join(dataDir, name);
  const url = archiveUrl(opts.baseUrl ?? defaultBaseUrl(), archive.path);
  const verify = opts.verify ?? true;
  const expected = opts.sha256?.toLowerCase() ?? archive.sha256;
  if (verify && !expected) {
    throw new Error(
      `no pinned SHA-256 for ${name}, so the download cannot be verified: pass --sha256 <hex> or --no-verify`,
    );
  }
  if (expected !== null && !/^[0-9a-f]{64}$/.test(expected))
    throw new Error(`not a SHA-256 hex digest: ${expected}`);
  if (existsSync(target) && !opts.force)
    throw new Error(`${target} already exists (use --force to fetch it again)`);
  await mkdir(dataDir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const part = join(dataDir, `.${name}.zip.part-${tag}`);
  const staging = join(dataDir, `.${name}.extract-${tag}`);
  const old = join(dataDir, `.${name}.old-${tag}`);
  try {
    const got = await download(url, part, archive.bytes ?? null, opts.onProgress);
    if (verify) {
      if (got.sha256 !== expected)
        throw new ChecksumMismatchError(url, "sha256", expected as string, got.sha256);
      if (!opts.sha256 && archive.md5 && got.md5 !== archive.md5)
        throw new ChecksumMismatchError(url, "md5", archive.md5, got.md5);
    }
    const files = await extractZip(part, staging);
    if (existsSync(target)) await rename(target, old);
    await rename(staging, target);
    await rm(old, { recursive: true, force: true });
    if (opts.keepArchive) await rename(part, join(dataDir, `${name}.zip`));
    return { dir: target, url, bytes: got.bytes, sha256: got.sha256, verified: verify, files };
  } finally {
    await rm(part, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

async function download(
  url: string,
  dest: string,
  knownBytes: number | null,
  onProgress: FetchOptions["onProgress"],
): Promise<{ bytes: number; sha256: string; md5: string }> {
  const res = await fetch(url, { redirect: "follow" });
  if (!res.ok || !res.body)
    throw new Error(`download failed: HTTP ${res.status} ${res.statusText} for ${url}`);
  const header = Number(res.headers.get("content-length"));
  const total = Number.isFinite(header) && header > 0 ? header : knownBytes;
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  const fh = await open(dest, "w");
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      sha.update(chunk);
      md5.update(chunk);
      await fh.write(chunk);
      bytes += chunk.length;
      onProgress?.(bytes, total);
    }
  } finally {
    await fh.close();
  }
  if (total !== null && header > 0 && bytes !== header)
    throw new Error(`download of ${url} ended early: ${bytes} of ${header} bytes`);
  return { bytes, sha256: sha.digest("hex"), md5: md5.digest("hex") };
}

/**
 * Extracts a zip file into `destDir` (created), dropping a top-level folder shared by all entries
 * and macOS resource forks. Entry names escaping the folder are rejected. Returns the file count.
 */
export async function extractZip(zipPath: string, destDir: string): Promise<number> {
  const zip = await yauzl.openPromise(zipPath, {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
  });
  try {
    const entries: yauzl.Entry[] = [];
    for await (const e of zip.eachEntry()) if (!e.fileName.startsWith("__MACOSX/")) entries.push(e);
    const firsts = new Set(entries.map((e) => e.fileName.split("/")[0]));
    const strip =
      firsts.size === 1 && entries.every((e) => e.fileName.includes("/")) ? `${[...firsts][0]}/` : "";
    await mkdir(destDir, { recursive: true });
    const root = resolve(destDir) + sep;
    let files = 0;
    for (const e of entries) {
      const rel = e.fileName.slice(strip.length);
      if (!rel) continue;
      const out = resolve(destDir, rel);
      if (!out.startsWith(root))
        throw new Error(`zip entry ${e.fileName} would be written outside ${destDir}`);
      if (rel.endsWith("/")) {
        await mkdir(out, { recursive: true });
        continue;
      }
      await mkdir(dirname(out), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(e), createWriteStream(out));
      files++;
    }
    return files;
  } finally {
    zip.close();
  }
}
