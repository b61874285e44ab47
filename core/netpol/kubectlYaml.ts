/**
 * Manifest text read as `kubectl apply -f` reads it: split into documents at `---` lines by
 * apimachinery's YAMLReader, JSON first when the text starts with `{`, each YAML document turned
 * into JSON by sigs.k8s.io/yaml (go-yaml v2 underneath: scalars in kubectlScalars.ts, merge keys,
 * aliases and map keys here). The `yaml` package only tokenises; every value is resolved here.
 * Each document keeps the line of every key and item, so a refusal names file, line and field.
 */
import type * as Yaml from "yaml";
import { yaml } from "../lazyYaml";
import { isMergeKey, jsonKey, jsonValue, resolveScalar, ScalarError, type GoScalar } from "./kubectlScalars";

/** Where a key or item was written, and the plain text behind a value kubectl reads as no string. */
export interface Place {
  line: number;
  /** The unquoted text of a scalar kubectl reads as a boolean, number or null, or as other text. */
  plain?: string;
}

/** Lines of one document's keys and items, looked up by field path (`spec.ingress[0].ports[0].port`). */
export class DocumentLines {
  constructor(
    private readonly root: unknown,
    private readonly places: WeakMap<object, Map<string, Place>>,
    /** The document's first line. */
    readonly line: number,
  ) {}

  /** The place of the deepest key or item on `path` that the document has; `complete` when that is all of it. */
  place(path: string): (Place & { value: unknown; complete: boolean }) | undefined {
    let node: unknown = this.root;
    let rest = path;
    let found: (Place & { value: unknown; complete: boolean }) | undefined;
    while (rest !== "" && node !== null && typeof node === "object") {
      const entries = this.places.get(node);
      if (!entries) break;
      let key: string | undefined;
      if (rest[0] === "[") {
        const close = rest.indexOf("]");
        if (close < 0) break;
        key = rest.slice(1, close);
        rest = rest.slice(close + 1);
      } else {
        // Keys may hold dots (label keys such as kubernetes.io/metadata.name): take the longest that fits.
        let best: string | undefined;
        for (const k of entries.keys()) {
          if (rest.startsWith(k) && (rest.length === k.length || rest[k.length] === "." || rest[k.length] === "[") && (best === undefined || k.length > best.length)) best = k;
        }
        if (best === undefined) break;
        key = best;
        rest = rest.slice(best.length);
      }
      if (rest[0] === ".") rest = rest.slice(1);
      const place = entries.get(key);
      if (!place) break;
      node = (node as Record<string, unknown>)[key];
      found = { ...place, value: node, complete: rest === "" };
    }
    return found;
  }
}

/** One document as kubectl decodes it: the JSON value and where its parts were written. */
export interface KubectlDocument {
  /** 1-based, counted as kubectl's reader yields documents. */
  index: number;
  value: unknown;
  /** undefined for JSON documents, which kubectl reads as they are. */
  lines?: DocumentLines;
}

/** Text kubectl refuses to read, located as precisely as the input allows. */
export class KubectlYamlError extends Error {
  constructor(
    readonly detail: string,
    readonly document?: number,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(detail);
    this.name = "KubectlYamlError";
  }
}

/** Offsets of line starts, for offset → line. */
class LineStarts {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }

  lineText(line: number): string {
    return this.text.slice(this.starts[line - 1], this.starts[line] ?? this.text.length).replace(/[\r\n]+$/, "");
  }
}

/** apimachinery's YAMLReader: documents end at a line that starts with `---`, which may carry only a comment. */
function splitDocuments(text: string): Array<{ start: number; text: string }> {
  const chunks: Array<{ start: number; text: string }> = [];
  let start = 0;
  let line = 0;
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf("\n", at);
    const next = end < 0 ? text.length : end + 1;
    line++;
    if (text.startsWith("---", at)) {
      const trimmed = text.slice(at + 3, next).trim();
      if (trimmed !== "" && !trimmed.startsWith("#")) {
        throw new KubectlYamlError(`invalid YAML document separator: ${trimmed.slice(0, 40)} (kubectl refuses anything but a comment after ---)`, chunks.length + 1, line);
      }
      if (at > start) chunks.push({ start, text: text.slice(start, at) });
      start = next;
    }
    at = next;
  }
  if (text.length > start) chunks.push({ start, text: text.slice(start) });
  return chunks;
}

// go-yaml's defence against alias bombs ("document contains excessive aliasing"), as it counts.
function allowedAliasRatio(decodes: number): number {
  if (decodes <= 400_000) return 0.99;
  if (decodes >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000);
}

/** Deeper than this, a document is refused (no Kubernetes object comes close). */
export const MAX_YAML_DEPTH = 128;

/** Turns one parsed document into JSON data as go-yaml v2 and sigs.k8s.io/yaml would. */
class Decoder {
  readonly places = new WeakMap<object, Map<string, Place>>();
  private decodes = 1;
  private aliased = 0;
  private aliasDepth = 0;
  private readonly expanding = new Set<Yaml.Alias>();

  constructor(
    private readonly y: typeof Yaml,
    private readonly doc: Yaml.Document.Parsed,
    private readonly lines: LineStarts,
    private readonly offset: number,
    private readonly index: number,
  ) {}

  lineOf(node: Yaml.Node | null | undefined): number {
    return this.lines.position(this.offset + (node?.range?.[0] ?? 0)).line;
  }

  private fail(node: Yaml.Node | null | undefined, path: string, detail: string): never {
    throw new KubectlYamlError(detail, this.index, this.lineOf(node), path || undefined);
  }

  private count(node: unknown, path: string): void {
    this.decodes++;
    if (this.aliasDepth > 0) this.aliased++;
    if (this.aliased > 100 && this.decodes > 1000 && this.aliased / this.decodes > allowedAliasRatio(this.decodes)) {
      this.fail(node as Yaml.Node, path, "the document contains excessive aliasing");
    }
  }

  /** Follows an alias to its anchored node, refusing one that contains itself. */
  private target(alias: Yaml.Alias, path: string): Yaml.Node {
    const node = alias.resolve(this.doc);
    if (!node) this.fail(alias, path, `unknown anchor '${alias.source}' referenced`);
    return node as Yaml.Node;
  }

  private withAlias<T>(alias: Yaml.Alias, path: string, body: (node: Yaml.Node) => T): T {
    if (this.expanding.has(alias)) this.fail(alias, path, `anchor '${alias.source}' value contains itself`);
    this.expanding.add(alias);
    this.aliasDepth++;
    try {
      return body(this.target(alias, path));
    } finally {
      this.aliasDepth--;
      this.expanding.delete(alias);
    }
  }

  private scalar(node: Yaml.Scalar | null | undefined, path: string): GoScalar {
    // An absent node (`key:` with nothing after it) is go-yaml's empty plain scalar: null.
    if (!node) return { kind: "null" };
    try {
      return resolveScalar(node.tag, String(node.source ?? ""), node.type === "PLAIN" || node.type === undefined);
    } catch (err) {
      if (err instanceof ScalarError) this.fail(node, path, err.message);
      throw err;
    }
  }

  value(node: Yaml.Node | null | undefined, path: string, depth: number): unknown {
    this.count(node, path);
    if (depth > MAX_YAML_DEPTH) this.fail(node, path, `the document is nested deeper than ${MAX_YAML_DEPTH} levels; no Kubernetes object is`);
    const y = this.y;
    if (y.isAlias(node)) return this.withAlias(node, path, (target) => this.value(target, path, depth));
    if (y.isMap(node)) {
      const out: Record<string, unknown> = {};
      this.fillMap(out, node, path, depth);
      return out;
    }
    if (y.isSeq(node)) {
      const out: unknown[] = [];
      const entries = new Map<string, Place>();
      this.places.set(out, entries);
      node.items.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        out.push(this.value(item as Yaml.Node, itemPath, depth + 1));
        entries.set(String(i), this.place(item as Yaml.Node, item as Yaml.Node, out[i]));
      });
      return out;
    }
    const s = this.scalar(node as Yaml.Scalar | null | undefined, path);
    try {
      return jsonValue(s);
    } catch (err) {
      if (err instanceof ScalarError) this.fail(node, path, `${String((node as Yaml.Scalar).source)} cannot become JSON (${err.message}); kubectl refuses the document`);
      throw err;
    }
  }

  private place(at: Yaml.Node | null | undefined, valueNode: Yaml.Node | null | undefined, value: unknown): Place {
    const place: Place = { line: this.lineOf(at) };
    const y = this.y;
    if (y.isScalar(valueNode) && valueNode.type === "PLAIN" && valueNode.tag === undefined && value !== valueNode.source) place.plain = String(valueNode.source);
    return place;
  }

  /** A mapping's pairs into `out`, in order, as go-yaml decodes a mapping into an existing map. */
  private fillMap(out: Record<string, unknown>, node: Yaml.YAMLMap, path: string, depth: number): void {
    const y = this.y;
    let entries = this.places.get(out);
    if (!entries) {
      entries = new Map();
      this.places.set(out, entries);
    }
    const own = new Map<string, number>();
    for (const pair of node.items) {
      const keyNode = pair.key as Yaml.Node | null;
      if (y.isScalar(keyNode) && isMergeKey(keyNode.tag, String(keyNode.source), keyNode.type === "PLAIN")) {
        this.merge(out, pair.value as Yaml.Node | null, path, depth);
        continue;
      }
      const key = this.key(keyNode, path);
      const valuePath = path ? `${path}.${key}` : key;
      const line = this.lineOf(keyNode ?? (pair.value as Yaml.Node));
      const earlier = own.get(key);
      // go-yaml keeps the last of two equal keys; a reviewer reads the first: refuse instead.
      if (earlier !== undefined) this.fail(keyNode, valuePath, `duplicate key ${JSON.stringify(key)} (also at line ${earlier}); kubectl would silently keep the last one`);
      own.set(key, line);
      const value = this.value(pair.value as Yaml.Node | null, valuePath, depth + 1);
      if (key === "__proto__") Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      entries.set(key, { ...this.place(keyNode, pair.value as Yaml.Node, value), line });
    }
  }

  /** `<<`: a mapping, an alias of one, or a list of them (the first wins), merged where it stands. */
  private merge(out: Record<string, unknown>, node: Yaml.Node | null, path: string, depth: number): void {
    const y = this.y;
    const refuse = (): never => this.fail(node, path, "map merge requires map or sequence of maps as the value");
    const mergeOne = (n: Yaml.Node | null) => {
      this.count(n, path);
      if (y.isAlias(n)) {
        this.withAlias(n, path, (target) => {
          if (!y.isMap(target)) refuse();
          this.count(target, path);
          this.fillMap(out, target as Yaml.YAMLMap, path, depth);
        });
      } else if (y.isMap(n)) this.fillMap(out, n, path, depth);
      else refuse();
    };
    if (y.isSeq(node)) {
      this.count(node, path);
      for (let i = node.items.length - 1; i >= 0; i--) mergeOne(node.items[i] as Yaml.Node);
    } else mergeOne(node);
  }

  /** A mapping key as a JSON key: scalars as sigs.k8s.io/yaml writes them; lists and mappings are refused. */
  private key(node: Yaml.Node | null, path: string): string {
    this.count(node, path);
    const y = this.y;
    let target: Yaml.Node | null = node;
    if (y.isAlias(node)) target = this.target(node, path);
    if (y.isMap(target) || y.isSeq(target)) this.fail(node, path, "invalid map key: a list or mapping cannot be a key");
    try {
      return jsonKey(this.scalar(target as Yaml.Scalar | null, path));
    } catch (err) {
      if (err instanceof ScalarError) this.fail(node, path, `${err.message} (${String((target as Yaml.Scalar | null)?.source ?? "")}); kubectl refuses the document`);
      throw err;
    }
  }
}

/** The parser's first error, located in the whole text, with the line and a caret under the column. */
function syntaxError(error: Yaml.YAMLError, lines: LineStarts, offset: number, index: number): KubectlYamlError {
  const { line, col } = lines.position(offset + Math.max(0, error.pos[0]));
  // The parser recurses on nesting and reports the stack overflow as its message.
  if (/call stack/i.test(error.message)) return new KubectlYamlError("malformed YAML: nested too deep to parse", index, line);
  let text = lines.lineText(line);
  let caret = col - 1;
  // A long line is shown as 80 characters around the column, as the yaml package does.
  if (text.length > 80) {
    const from = Math.max(0, Math.min(caret - 39, text.length - 79));
    text = `${from > 0 ? "…" : ""}${text.slice(from, from + 79)}${from + 79 < text.length ? "…" : ""}`;
    caret -= from - (from > 0 ? 1 : 0);
  }
  const previous = line > 1 && /^ *$/.test(text.slice(0, caret)) ? [lines.lineText(line - 1)] : [];
  const context = [...previous, text, `${" ".repeat(caret)}^`].filter((l) => l.trim() !== "").map((l) => `  ${l}`);
  return new KubectlYamlError(`malformed YAML: ${error.message} at line ${line}, column ${col}:\n${context.join("\n")}`, index, line);
}

/**
 * Reads manifest text as kubectl does. Throws KubectlYamlError for what kubectl refuses (and for
 * two keys with one name, which kubectl would silently collapse). Empty documents are kept, as
 * null, so documents are numbered as kubectl's reader yields them.
 */
export function readKubectlYaml(text: string): KubectlDocument[] {
  // kubectl tries JSON when the text starts with `{` (a stream of objects), and YAML if that fails.
  if (/^\s*\{/.test(text)) {
    try {
      return jsonObjects(text).map((value, i) => ({ index: i + 1, value }));
    } catch (jsonError) {
      try {
        return readYamlDocuments(text);
      } catch {
        throw new KubectlYamlError(`malformed JSON: ${(jsonError as Error).message}`, 1);
      }
    }
  }
  return readYamlDocuments(text);
}

/** JSON objects one after another, as encoding/json's Decoder reads a stream. */
function jsonObjects(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(c)) {
      // Anything between objects (or an unclosed one) is for JSON.parse to name.
      JSON.parse(text.slice(start < 0 ? i : start));
    }
  }
  if (depth !== 0 || values.length === 0) JSON.parse(text.slice(Math.max(start, 0)));
  return values;
}

function readYamlDocuments(text: string): KubectlDocument[] {
  const y = yaml();
  const lines = new LineStarts(text);
  return splitDocuments(text).map((chunk, i) => {
    const index = i + 1;
    let docs: Yaml.Document.Parsed[];
    try {
      docs = y.parseAllDocuments(chunk.text, {
        version: "1.1",
        // Every scalar stays text: resolving it is kubectlScalars' job, as go-yaml's.
        schema: "failsafe",
        resolveKnownTags: false,
        uniqueKeys: false,
        prettyErrors: false,
        customTags: ["bool", "int", "float", "null", "timestamp", "binary", "merge"].map((t) => ({ tag: `tag:yaml.org,2002:${t}`, resolve: (s: string) => s })),
      }) as Yaml.Document.Parsed[];
    } catch (e) {
      // The parser recurses on nesting: absurdly deep input ends here rather than in a crash.
      throw new KubectlYamlError(`malformed YAML: ${e instanceof RangeError ? "nested too deep to parse" : (e as Error).message}`, index);
    }
    // go-yaml reads one document per chunk: what follows a `...` end marker is never read.
    const doc = Array.isArray(docs) ? docs[0] : undefined;
    if (!doc) return { index, value: null };
    if (doc.errors.length > 0) throw syntaxError(doc.errors[0], lines, chunk.start, index);
    const decoder = new Decoder(y, doc, lines, chunk.start, index);
    let value: unknown;
    try {
      value = decoder.value(doc.contents as Yaml.Node | null, "", 1);
    } catch (e) {
      if (e instanceof RangeError) throw new KubectlYamlError(`malformed YAML: nested too deep to parse`, index);
      throw e;
    }
    return { index, value, lines: new DocumentLines(value, decoder.places, lines.position(chunk.start).line) };
  });
}
