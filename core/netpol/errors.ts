/** Where an object came from: a file (or "<stack>") and its 1-based document index. */
export interface ObjectSource {
  file: string;
  document: number;
  /** Path of the object inside its document, e.g. "items[2]" for a `kind: List` item. */
  path?: string;
}

/** Renders a source for messages: "file#document" (plus "/items[2]" inside a List). */
export function describeSource(source: ObjectSource): string {
  return `${source.file}#${source.document}${source.path ? `/${source.path}` : ""}`;
}

/**
 * Bad input. The message always names the file, the document (when known)
 * and the offending field path, so a user can go straight to it.
 */
export class ManifestError extends Error {
  readonly file: string;
  readonly document?: number;
  readonly field?: string;
  /** The problem alone, without the location. */
  readonly detail: string;

  constructor(detail: string, file: string, document?: number, field?: string) {
    const where = [file, document !== undefined ? `document ${document}` : undefined, field ? `field ${field}` : undefined]
      .filter((x) => x !== undefined)
      .join(", ");
    super(`${where}: ${detail}`);
    this.name = "ManifestError";
    this.file = file;
    if (document !== undefined) this.document = document;
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
  ) {}

  static of(source: ObjectSource): ErrorContext {
    return new ErrorContext(source.file, source.document, source.path ?? "");
  }

  path(field: string): string {
    if (!this.base) return field;
    if (!field) return this.base;
    return field.startsWith("[") ? `${this.base}${field}` : `${this.base}.${field}`;
  }

  fail(field: string, detail: string): never {
    throw new ManifestError(detail, this.file, this.document, this.path(field) || undefined);
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
