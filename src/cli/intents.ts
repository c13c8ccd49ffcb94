import type { Command } from "commander";
import { LlmNotConfiguredError } from "../concepts/llm.js";
import { type EmbedderSpec, buildIntentLibraryFromDataset, listIntents } from "../pipeline/intents.js";
import { choiceArg, countArg, numberArg, positiveIntArg, rateArg } from "./args.js";
import { addLoadOptions, type LoadCliOptions, toLoadOptions } from "./data-options.js";
import { fmtNumber, textTable } from "./pipeline-options.js";

interface BuildCliOptions extends LoadCliOptions {
  dataset: string;
  out: string;
  force?: boolean;
  format?: string;
  provider: "tfidf" | "openai" | "file";
  dim?: number;
  minDf?: number;
  maxDf?: number;
  embedUrl?: string;
  embedModel?: string;
  embedApiKey?: string;
  embedBatch?: number;
  embedCache?: string;
  embeddings?: string;
  embeddingsIds?: string;
  tensor?: string;
  width?: number;
  k?: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed: number;
  topItems?: number;
  minItems?: number;
  minConfidence?: number;
  llm?: boolean;
  json?: boolean;
}

function embedderSpec(o: BuildCliOptions): EmbedderSpec {
  if (o.provider === "file") {
    if (!o.embeddings) throw new Error("--provider file needs --embeddings <file>");
    return {
      provider: "file",
      path: o.embeddings,
      options: {
        ...(o.embeddingsIds ? { idsFile: o.embeddingsIds } : {}),
        ...(o.tensor ? { tensor: o.tensor } : {}),
      },
    };
  }
  if (o.provider === "openai")
    return {
      provider: "openai",
      config: {
        ...(o.embedUrl ? { baseUrl: o.embedUrl } : {}),
        ...(o.embedModel ? { model: o.embedModel } : {}),
        ...(o.embedApiKey ? { apiKey: o.embedApiKey } : {}),
        ...(o.dim !== undefined ? { dim: o.dim } : {}),
        ...(o.embedBatch !== undefined ? { batchSize: o.embedBatch } : {}),
        ...(o.embedCache ? { cacheDir: o.embedCache } : {}),
      },
    };
  return {
    provider: "tfidf",
    options: {
      seed: o.seed,
      ...(o.dim !== undefined ? { dim: o.dim } : {}),
      ...(o.minDf !== undefined ? { minDf: o.minDf } : {}),
      ...(o.maxDf !== undefined ? { maxDfRatio: o.maxDf } : {}),
    },
  };
}

/** `reclens intents build` and `reclens intents show`: intent libraries (SAE latents over item text). */
export function registerIntents(program: Command): void {
  const intents = program
    .command("intents")
    .description("intent libraries: a TopK SAE over item-text embeddings, labelled latents kept as intents");
  const build = intents
    .command("build")
    .description("embed every item's text, train a TopK SAE, label and keep confident latents as intents")
    .requiredOption("--dataset <ref>", "dataset (registered name, s3rec:<Beauty.txt>, lcrec folder, path)")
    .requiredOption("--out <dir>", "library directory to write")
    .option("--force", "replace an existing library")
    .option("--format <fmt>", "dataset format when it cannot be detected")
    .option(
      "--provider <p>",
      "text embeddings: tfidf (built in, offline), openai (POST /v1/embeddings), file (precomputed)",
      choiceArg(["tfidf", "openai", "file"] as const),
      "tfidf",
    )
    .option(
      "--dim <n>",
      "embedding dimension (tfidf: LSA rank, default 256; openai: expected dimension)",
      positiveIntArg,
    )
    .option("--min-df <n>", "tfidf: a term must be in at least n item texts (default 2)", positiveIntArg)
    .option("--max-df <r>", "tfidf: ... and in at most this share of them (default 0.5)", rateArg("--max-df"))
    .option("--embed-url <url>", "openai: base URL with /v1 (default $RECLENS_EMBED_BASE_URL)")
    .option("--embed-model <name>", "openai: model (default $RECLENS_EMBED_MODEL)")
    .option("--embed-api-key <key>", "openai: API key (default $RECLENS_EMBED_API_KEY)")
    .option("--embed-batch <n>", "openai: texts per request (default 64)", positiveIntArg)
    .option("--embed-cache <dir>", "openai: per-text embedding cache directory (reruns cost nothing)")
    .option("--embeddings <file>", "file: precomputed item embeddings (.npy, .safetensors, .csv, .parquet)")
    .option("--embeddings-ids <file>", "file: item id of each row (one per line or a JSON array)")
    .option("--tensor <name>", "file: safetensors tensor to read")
    .option("--width <n>", "SAE latents (default: power of two near items / 6)", positiveIntArg)
    .option("--k <n>", "active latents per item (default 15, SAERec)", positiveIntArg)
    .option("--epochs <n>", "SAE epochs (default 60)", positiveIntArg)
    .option("--lr <x>", "SAE learning rate (default 1e-3)", numberArg)
    .option("--batch-size <n>", "SAE batch size (default 256)", positiveIntArg)
    .option("--seed <n>", "seed of the SVD, SAE and labelling", countArg, 0)
    .option(
      "--top-items <n>",
      "top items per latent for the label and its held-out confidence (default 40)",
      positiveIntArg,
    )
    .option("--min-items <n>", "latents firing on fewer items are not labelled (default 8)", positiveIntArg)
    .option(
      "--min-confidence <c>",
      "keep intents with confidence >= c (default 0.8)",
      rateArg("--min-confidence"),
    )
    .option(
      "--llm",
      "also label with an OpenAI-compatible LLM (RECLENS_LLM_BASE_URL, RECLENS_LLM_MODEL); its confidence decides",
    )
    .option("--json", "print the summary as JSON");
  addLoadOptions(build);
  build.action(async (o: BuildCliOptions) => {
    let r;
    try {
      r = await buildIntentLibraryFromDataset({
        dataset: o.dataset,
        load: toLoadOptions(o, o.format),
        out: o.out,
        force: o.force === true,
        embedder: embedderSpec(o),
        sae: {
          seed: o.seed,
          ...(o.width !== undefined ? { width: o.width } : {}),
          ...(o.k !== undefined ? { k: o.k } : {}),
          ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
          ...(o.lr !== undefined ? { lr: o.lr } : {}),
          ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
        },
        label: {
          seed: o.seed,
          ...(o.topItems !== undefined ? { topItems: o.topItems } : {}),
          ...(o.minItems !== undefined ? { minItems: o.minItems } : {}),
        },
        ...(o.minConfidence !== undefined ? { threshold: o.minConfidence } : {}),
        ...(o.llm ? { llm: {} } : {}),
        ...(o.json ? {} : { onStage: (m: string) => console.error(`intents: ${m}`) }),
      });
    } catch (err) {
      if (err instanceof LlmNotConfiguredError) throw new Error(`--llm: ${err.message}`);
      throw err;
    }
    if (o.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    console.log(
      `${r.out}: ${r.kept} intents kept of ${r.labelled} labelled latents (${r.latents} latents, threshold ${r.threshold}) over ${r.items} items, ${r.dim}-d embeddings, ${r.seconds.total.toFixed(1)} s`,
    );
  });
  intents
    .command("show")
    .description("list a library's intents with label, confidence and top items")
    .argument("<dir>", "intent library directory")
    .option("--limit <n>", "show the n most confident intents", positiveIntArg)
    .option("--top <n>", "top items per intent", countArg, 3)
    .option("--json", "print the intents as JSON")
    .action((dir: string, o: { limit?: number; top: number; json?: boolean }) => {
      const { listing, intents: list } = listIntents(dir, o.limit);
      if (o.json) {
        console.log(
          JSON.stringify(
            {
              intents: list.map((i) => ({ ...i, topItems: i.topItems.slice(0, o.top) })),
              total: listing.intents.length,
              embeddings: listing.embeddings,
              sae: listing.sae,
              selection: listing.selection,
              source: listing.source,
            },
            null,
            2,
          ),
        );
        return;
      }
      console.log(
        `${dir}: ${listing.intents.length} intents, ${listing.itemIds.length} items, embeddings ${String(listing.embeddings.provider)} (${String(listing.embeddings.cols)}-d)`,
      );
      const rows = [["id", "latent", "confidence", "support", "label", "top items"]];
      for (const i of list)
        rows.push([
          String(i.id),
          String(i.latent),
          fmtNumber(i.confidence),
          String(i.support),
          i.label,
          i.topItems
            .slice(0, o.top)
            .map((t) => t.text.slice(0, 40))
            .join(" | "),
        ]);
      console.log(textTable(rows));
    });
}
