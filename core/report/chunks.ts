/**
 * What the formats are written in: text, or UTF-8 bytes where a format encodes its lines itself
 * (lineBytes.ts). Bytes are only valid until the next chunk is asked for: write or decode each as
 * it comes, never collect them.
 */
export type ReportChunk = string | Uint8Array;

/** Chunks joined into one string, for callers that want the whole report. */
export function joinChunks(chunks: Iterable<ReportChunk>): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of chunks) text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
