import type { Command } from "commander";
import { fetchDataset } from "../data/fetch.js";
import { registeredDataset, registeredDatasets } from "../data/registry.js";

/** Renders a one-line progress bar on stderr, at most every 100 ms; only when stderr is a terminal and not in CI. */
export function progressReporter(
  label: string,
): ((received: number, total: number | null) => void) | undefined {
  if (!process.stderr.isTTY || process.env.CI) return undefined;
  let last = 0;
  const start = Date.now();
  return (received, total) => {
    const now = Date.now();
    if (now - last < 100 && received !== total) return;
    last = now;
    const mb = (b: number): string => (b / 1e6).toFixed(1);
    const rate = received / 1e6 / Math.max(0.001, (now - start) / 1000);
    let bar = "";
    if (total) {
      const w = 30;
      const f = Math.min(w, Math.round((received / total) * w));
      bar = `[${"#".repeat(f)}${".".repeat(w - f)}] ${((100 * received) / total).toFixed(0).padStart(3)}% `;
    }
    process.stderr.write(
      `\r${label} ${bar}${mb(received)}${total ? `/${mb(total)}` : ""} MB ${rate.toFixed(1)} MB/s `,
    );
    if (received === total) process.stderr.write("\n");
  };
}

/** `reclens data fetch <name>`: downloads, verifies and extracts a registered dataset. */
export function registerDataFetch(data: Command): void {
  data
    .command("fetch")
    .description(
      `download a dataset (${registeredDatasets()
        .map((d) => d.name)
        .join(", ")}), verify its SHA-256 and extract it`,
    )
    .argument("<name>", "registered dataset name")
    .option("--data-dir <dir>", "destination folder (default: $RECLENS_DATA_DIR or ~/.cache/reclens/data)")
    .option("--base-url <url>", "download base URL (default: $RECLENS_DATA_BASE_URL or GroupLens)")
    .option("--sha256 <hex>", "expected SHA-256, overriding the pinned one")
    .option("--no-verify", "skip checksum verification (not recommended)")
    .option("--force", "replace an existing copy")
    .option("--keep-archive", "keep the downloaded .zip next to the extracted folder")
    .action(
      async (
        name: string,
        o: {
          dataDir?: string;
          baseUrl?: string;
          sha256?: string;
          verify: boolean;
          force?: boolean;
          keepArchive?: boolean;
        },
      ) => {
        const reg = registeredDataset(name);
        if (reg) console.log(`${reg.description}\nterms: ${reg.terms}`);
        const r = await fetchDataset(name, {
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
          ...(o.sha256 ? { sha256: o.sha256 } : {}),
          verify: o.verify,
          force: !!o.force,
          keepArchive: !!o.keepArchive,
          onProgress: progressReporter(name),
        });
        console.log(
          `fetched ${r.url} (${r.bytes} bytes, sha256 ${r.sha256}${r.verified ? ", verified" : ", NOT verified"})`,
        );
        console.log(`extracted ${r.files} files to ${r.dir}`);
      },
    );
}
