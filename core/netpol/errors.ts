import type { DocumentLines } from "./kubectlYaml";

/** Where an object came from: a file (or "<stack>") and its 1-based document index. */
export interface ObjectSource {
  file: string;
  document: number;
  /** Path of the object inside its document, e.g. "items[2]" for a `kind: List` item. */
  path?: string;
  /** Where each key of the document was written (YAML files), for the line in messages. */
  lines?: DocumentLines;
}

/** Renders a source for messages: "file#document" (plus "/items[2]" inside a List). */
export function describeSource(source: ObjectSource): string {
  return `${source.file}#${source.document}${source.path ? `/${source.path}` : ""}`;
}

/**
 * Bad input. The message always names the file, the document and line (when known)
 * and the offending field path, so a user can go straight to it.
 */
export class ManifestError extends Error {
  readonly file: string;
  readonly document?: number;
  readonly line?: number;
  readonly field?: string;
  /** The problem alone, without the location. */
  readonly detail: string;

  constructor(detail: string, file: string, document?: number, field?: string, line?: number) {
    const where = [file, document !== undefined ? `document ${document}` : undefined, line !== undefined ? `line ${line}` : undefined, field ? `field ${field}` : undefined]
      .filter((x) => x !== undefined)
      .join(", ");
    super(`${where}: ${detail}`);
    this.name = "ManifestError";
    this.file = file;
    if (document !== undefined) this.document = document;
    if (line !== undefined) this.line = line;
    if (field) this.field = field;
    this.detail = detail;
  }
}

/** Throws ManifestErrors located at one object; field paths are joined onto its base path. */
export class ErrorContext {
  constructor(
    readonly file: string,
    readonly document: number | undefined,
    readonly base = "",
    readonly lines?: DocumentLines,
  ) {}

  static of(source: ObjectSource): ErrorContext {
    return new ErrorContext(source.file, source.document, source.path ?? "", source.lines);
  }

  path(field: string): string {
    if (!this.base) return field;
    if (!field) return this.base;
    return field.startsWith("[") ? `${this.base}${field}` : `${this.base}.${field}`;
  }

  fail(field: string, detail: string): never {
    const path = this.path(field);
    const place = this.lines?.place(path);
    // A plain scalar that YAML 1.1 reads as something else is the likely cause: say what kubectl saw.
    const reading = place?.complete && place.plain !== undefined && JSON.stringify(place.value) !== place.plain
      ? ` (kubectl reads the unquoted ${place.plain} as ${JSON.stringify(place.value)}; quote it to keep the text)`
      : "";
    throw new ManifestError(`${detail}${reading}`, this.file, this.document, path || undefined, place?.line ?? this.lines?.line);
  }
}

/** Short rendering of an offending value for messages. */
export function show(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    // Cyclic or absurdly deep input: describe it without recursing into it.
    s = Array.isArray(value) ? "[...]" : typeof value === "object" && value !== null ? "{...}" : typeof value;
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
