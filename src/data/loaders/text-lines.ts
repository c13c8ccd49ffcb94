import { createReadStream, statSync } from "node:fs";
import { readProgressSink, type ReadProgressSink } from "../read-progress.js";
import { DataFormatError } from "./errors.js";

/**
 * How to decode bytes: "utf8" (strict: invalid bytes are an error), "latin1" (WHATWG latin1, i.e.
 * windows-1252), or "auto": UTF-8 where a line is valid UTF-8, latin-1 for any line that is not
 * (MovieLens 100K/1M and HetRec files exist in both encodings, sometimes mixed).
 */
export type TextEncoding = "auto" | "utf8" | "latin1";

/** Options for {@link forEachLine}. */
export interface LineReaderOptions {
  encoding?: TextEncoding;
  /** Name used in error messages (defaults to the path). */
  displayName?: string;
  /** Read size in bytes (tests use tiny chunks to exercise chunk boundaries). */
  chunkBytes?: number;
}

// ignoreBOM: the file's byte-order mark is removed once by stripBom; a U+FEFF later in the file is text
const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const latin1 = new TextDecoder("latin1");

/**
 * Streams a text file and calls `onLine(text, lineNo)` for every line (1-based numbers, "\r\n" and
 * "\n" endings, a final line without newline included, UTF-8 BOM dropped). Memory stays bounded by
 * the chunk size, so 25M-line files are fine. NUL bytes or a UTF-16 byte-order mark raise a
 * {@link DataFormatError} (the file is binary or UTF-16, not text in a supported encoding).
 * Resolves to the number of lines read. Inside `withReadProgress` (data/read-progress.ts) the bytes
 * and lines read are reported per chunk.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string, lineNo: number) => void,
  opts: LineReaderOptions = {},
): Promise<number> {
  const progress = readProgressSink();
  if (!progress) return streamLines(path, onLine, opts, undefined);
  progress.start(opts.displayName ?? path, fileSize(path));
  try {
    return await streamLines(path, onLine, opts, progress);
  } finally {
    progress.end();
  }
}

/** {@link forEachLine}'s reader, reporting bytes and lines to `progress` after every chunk. */
async function streamLines(
  path: string,
  onLine: (line: string, lineNo: number) => void,
  opts: LineReaderOptions,
  progress: ReadProgressSink | undefined,
): Promise<number> {
  const encoding = opts.encoding ?? "auto";
  const file = opts.displayName ?? path;
  let lineNo = 0;
  let carry: Buffer | null = null;
  let first = true;

  const emitText = (text: string): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      const end = nl < 0 ? text.length : nl;
      lineNo++;
      onLine(text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end), lineNo);
      if (nl < 0) return;
      start = nl + 1;
    }
  };

  const emitSegment = (seg: Buffer): void => {
    const nul = seg.indexOf(0);
    if (nul >= 0) {
      const line = lineNo + countNewlines(seg, nul) + 1;
      throw new DataFormatError(
        { file, line },
        "NUL byte in text: the file is binary or UTF-16 encoded; save it as UTF-8 or latin-1",
      );
    }
    if (encoding === "latin1") {
      emitText(latin1.decode(seg));
      return;
    }
    let text: string | null = null;
    try {
      text = utf8Fatal.decode(seg);
    } catch {
      text = null;
    }
    if (text !== null) {
      emitText(text);
      return;
    }
    // Some line is not valid UTF-8: decode line by line.
    let start = 0;
    for (;;) {
      const nl = seg.indexOf(10, start);
      const end = nl < 0 ? seg.length : nl;
      const bytes = seg.subarray(start, end > start && seg[end - 1] === 13 ? end - 1 : end);
      lineNo++;
      onLine(decodeLine(bytes, encoding, file, lineNo), lineNo);
      if (nl < 0) return;
      start = nl + 1;
    }
  };

  let bytesRead = 0;
  const stream = createReadStream(path, { highWaterMark: opts.chunkBytes ?? 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    let buf: Buffer = carry && carry.length ? Buffer.concat([carry, chunk]) : chunk;
    if (first) {
      if (buf.length < 3) {
        carry = buf; // wait for enough bytes to recognise a byte-order mark
        continue;
      }
      first = false;
      buf = stripBom(buf, file);
    }
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      carry = buf;
      continue;
    }
    emitSegment(buf.subarray(0, last));
    carry = buf.subarray(last + 1);
    progress?.advance(bytesRead, lineNo);
  }
  if (carry && carry.length) {
    if (first) carry = stripBom(carry, file);
    if (carry.length)
      emitSegment(carry[carry.length - 1] === 10 ? carry.subarray(0, carry.length - 1) : carry);
  }
  progress?.advance(bytesRead, lineNo);
  return lineNo;
}

/** Size of `path` in bytes (0 when it cannot be read; the stream then reports the real error). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function stripBom(buf: Buffer, file: string): Buffer {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new DataFormatError({ file, line: 1 }, "UTF-16 byte-order mark: convert the file to UTF-8");
  }
  return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
}

function decodeLine(bytes: Buffer, encoding: TextEncoding, file: string, lineNo: number): string {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    if (encoding === "auto") return latin1.decode(bytes);
    let col = 0;
    while (col < bytes.length && bytes[col] < 0x80) col++;
    throw new DataFormatError(
      { file, line: lineNo },
      `invalid UTF-8 (byte 0x${bytes[col]?.toString(16).toUpperCase()} at column ${col + 1}); ` +
        `the file is probably latin-1: use encoding "latin1" or "auto"`,
      latin1.decode(bytes),
    );
  }
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let p = buf.indexOf(10); p >= 0 && p < end; p = buf.indexOf(10, p + 1)) n++;
  return n;
}
