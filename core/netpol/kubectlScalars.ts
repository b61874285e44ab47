/**
 * What kubectl makes of one YAML scalar. kubectl 1.35 turns YAML into JSON with sigs.k8s.io/yaml
 * v1.6.0, which decodes with go.yaml.in/yaml/v2 (v2.4.3): YAML 1.1 resolution as that library
 * implements it, which is not the YAML 1.1 spec. `010` is 8 and `0o17` is 15 (Go's strconv base
 * 0), `8_080` is 8080 (every `_` is dropped first), `yes`/`on`/`y` are true, sexagesimal `1:30`
 * stays a string, `.inf` cannot become JSON at all. Ported from its resolve.go and decode.go;
 * tests/fixtures/kubectl-yaml/scalars.json holds what kubectl's own code answers. Pure.
 */

/** A scalar as go-yaml types it before sigs.k8s.io/yaml writes JSON. */
export type GoScalar =
  | { kind: "str"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "null" }
  | { kind: "int"; value: bigint }
  /** Above int64: go-yaml's uint64, which JSON carries but a map key cannot be. */
  | { kind: "uint"; value: bigint }
  | { kind: "float"; value: number };

/** A value kubectl refuses, with go-yaml's or encoding/json's own words. */
export class ScalarError extends Error {}

const TAG = "tag:yaml.org,2002:";
const STR = `${TAG}str`;
const BOOL = `${TAG}bool`;
const INT = `${TAG}int`;
const FLOAT = `${TAG}float`;
const NULL = `${TAG}null`;
const TIMESTAMP = `${TAG}timestamp`;
const BINARY = `${TAG}binary`;
const MERGE = `${TAG}merge`;
const RESOLVABLE = new Set(["", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP]);

type Resolved = { tag: string; value: GoScalar };

const WORDS = new Map<string, Resolved>();
for (const [words, tag, value] of [
  [["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], BOOL, { kind: "bool", value: true }],
  [["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], BOOL, { kind: "bool", value: false }],
  [["", "~", "null", "Null", "NULL"], NULL, { kind: "null" }],
  [[".nan", ".NaN", ".NAN"], FLOAT, { kind: "float", value: NaN }],
  [[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], FLOAT, { kind: "float", value: Infinity }],
  [["-.inf", "-.Inf", "-.INF"], FLOAT, { kind: "float", value: -Infinity }],
  [["<<"], MERGE, { kind: "str", value: "<<" }],
] as const) {
  for (const w of words) WORDS.set(w, { tag, value: value as GoScalar });
}

/** go-yaml's resolveTable: the first character decides what a plain scalar may be. */
function hint(text: string): "S" | "D" | "M" | "." | "N" | undefined {
  if (text === "") return "N";
  const c = text[0];
  if (c === "+" || c === "-") return "S";
  if (c >= "0" && c <= "9") return "D";
  if ("yYnNtTfFoO~".includes(c)) return "M";
  if (c === ".") return ".";
  return undefined;
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** The digits of Go's strconv.ParseUint with base 0 (prefixes 0b, 0o, 0x, or a leading 0 for octal). */
function parseUnsignedBase0(s: string): bigint | undefined {
  if (s === "") return undefined;
  let base = 10n;
  let digits = s;
  if (s[0] === "0") {
    const p = s.length >= 3 ? s[1].toLowerCase() : "";
    if (p === "b" || p === "o" || p === "x") {
      base = p === "b" ? 2n : p === "o" ? 8n : 16n;
      digits = s.slice(2);
    } else {
      base = 8n;
      digits = s.slice(1);
    }
  }
  let n = 0n;
  for (const ch of digits) {
    const d = parseInt(ch, 16);
    if (Number.isNaN(d) || BigInt(d) >= base) return undefined;
    n = n * base + BigInt(d);
  }
  return n;
}

/** strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64) for what overflows int64 (no sign there). */
function parseGoInteger(s: string): GoScalar | undefined {
  const negative = s[0] === "-";
  const magnitude = parseUnsignedBase0(s[0] === "-" || s[0] === "+" ? s.slice(1) : s);
  if (magnitude === undefined) return undefined;
  if (magnitude <= INT64_MAX || (negative && magnitude === INT64_MAX + 1n)) return { kind: "int", value: negative ? -magnitude : magnitude };
  if (s[0] !== "-" && s[0] !== "+" && magnitude <= UINT64_MAX) return { kind: "uint", value: magnitude };
  return undefined;
}

/** Go's strconv underscoreOK: an underscore only between digits (or after a base prefix). */
function underscoresOK(s: string): boolean {
  let saw = "^";
  let rest = s[0] === "-" || s[0] === "+" ? s.slice(1) : s;
  let hex = false;
  if (rest.length >= 2 && rest[0] === "0" && "box".includes(rest[1].toLowerCase())) {
    hex = rest[1].toLowerCase() === "x";
    rest = rest.slice(2);
    saw = "0";
  }
  for (const ch of rest) {
    if ((ch >= "0" && ch <= "9") || (hex && /[a-fA-F]/.test(ch))) saw = "0";
    else if (ch === "_") {
      if (saw !== "0") return false;
      saw = "_";
    } else {
      if (saw === "_") return false;
      saw = "!";
    }
  }
  return saw !== "_";
}

/** strconv.ParseFloat of a decimal literal that starts with '.', the only kind the '.' hint tries. */
function parseDotFloat(s: string): number | undefined {
  if (!/^\.[0-9_]*[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?$/.test(s) || !underscoresOK(s)) return undefined;
  const n = Number(s.replace(/_/g, ""));
  // ParseFloat reports a range error for what overflows; go-yaml then keeps the text.
  return Number.isFinite(n) ? n : undefined;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

function daysIn(month: number, year: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** go-yaml's parseTimestamp: time.Parse with its four layouts (only `!!timestamp` needs it: kubectl keeps the text). */
function isGoTimestamp(s: string): boolean {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))|\x20(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?)?$/.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return false;
  const [hour, minute, second] = [m[4] ?? m[9], m[5] ?? m[10], m[6] ?? m[11]].map((x) => Number(x ?? 0));
  if (hour > 23 || minute > 59 || second > 59) return false;
  return m[7] === undefined || (Number(m[7]) <= 24 && Number(m[8]) <= 60);
}

/** go-yaml's resolve(tag, in): the tag it finds, and the value. */
function goResolve(tag: string, text: string): Resolved {
  const h = hint(text);
  if (h === undefined || tag === STR) return { tag: STR, value: { kind: "str", value: text } };
  const word = WORDS.get(text);
  if (word) return word;
  if (h === ".") {
    const f = parseDotFloat(text);
    if (f !== undefined) return { tag: FLOAT, value: { kind: "float", value: f } };
  } else if (h === "D" || h === "S") {
    // A timestamp decoded into interface{} is its text again; the tag matters only for `!!timestamp`.
    if ((tag === "" || tag === TIMESTAMP) && isGoTimestamp(text)) return { tag: TIMESTAMP, value: { kind: "str", value: text } };
    const plain = text.replace(/_/g, "");
    const integer = parseGoInteger(plain);
    if (integer) return { tag: INT, value: integer };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return { tag: FLOAT, value: { kind: "float", value: f } };
    }
    // go-yaml's separate 0b branches only see what ParseInt base 0 already refused: never a number.
  }
  return { tag: STR, value: { kind: "str", value: text } };
}

const shortTag = (tag: string) => (tag.startsWith(TAG) ? `!!${tag.slice(TAG.length)}` : tag);

/** Go's base64.StdEncoding (padding required; line breaks are skipped). */
function decodeBase64(text: string): string {
  const compact = text.replace(/[\r\n]/g, "");
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) {
    throw new ScalarError("!!binary value contains invalid base64 data");
  }
  return Buffer.from(compact, "base64").toString("utf8");
}

/**
 * A scalar as kubectl reads it. `tag` is the explicit tag, resolved (`tag:yaml.org,2002:int`,
 * `!`, `!custom`), or undefined; `plain` whether it was written without quotes or block style.
 */
export function resolveScalar(tag: string | undefined, text: string, plain: boolean): GoScalar {
  // go-yaml: only plain scalars, and those tagged `!` or a YAML tag, are resolved; quoted text is text.
  if (tag === undefined && !plain) return { kind: "str", value: text };
  if (tag === BINARY) return { kind: "str", value: decodeBase64(text) };
  if (tag !== undefined && !RESOLVABLE.has(tag)) return { kind: "str", value: text };
  const wanted = tag ?? "";
  const { tag: found, value } = goResolve(wanted, text);
  if (wanted === "" || wanted === found || wanted === STR) return value;
  if (wanted === FLOAT && value.kind === "int") return { kind: "float", value: Number(value.value) };
  throw new ScalarError(`cannot decode ${shortTag(found)} \`${text}\` as a ${shortTag(wanted)}`);
}

/** Whether a mapping key is go-yaml's merge key `<<` (plain, or tagged `!!merge`). */
export function isMergeKey(tag: string | undefined, text: string, plain: boolean): boolean {
  return text === "<<" && (tag === MERGE || ((tag === undefined || tag === "!") && plain));
}

/** The JSON value sigs.k8s.io/yaml writes; NaN and the infinities are what encoding/json refuses. */
export function jsonValue(s: GoScalar): string | number | boolean | null {
  switch (s.kind) {
    case "str":
    case "bool":
      return s.value;
    case "null":
      return null;
    case "int":
    case "uint":
      return Number(s.value);
    case "float":
      if (!Number.isFinite(s.value)) throw new ScalarError(`json: unsupported value: ${Number.isNaN(s.value) ? "NaN" : s.value > 0 ? "+Inf" : "-Inf"}`);
      // kubectl decodes a whole number into an int64, so -0.0 arrives as 0.
      return s.value === 0 ? 0 : s.value;
  }
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32): shortest float32 digits, exponent from 1e+06 and below 1e-04. */
export function formatFloat32(f: number): string {
  if (Number.isNaN(f)) return ".nan";
  if (f === Infinity) return ".inf";
  if (f === -Infinity) return "-.inf";
  const single = Math.fround(f);
  if (single === 0) return Object.is(single, -0) ? "-0" : "0";
  let digits = "";
  let exponent = 0;
  for (let precision = 1; precision <= 9; precision++) {
    const [mantissa, exp] = Math.abs(single).toExponential(precision - 1).split("e");
    if (Math.fround(Number(`${mantissa}e${exp}`)) === Math.abs(single)) {
      digits = mantissa.replace(".", "");
      exponent = Number(exp);
      break;
    }
  }
  const sign = single < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const e = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** A mapping key as sigs.k8s.io/yaml turns it into a JSON key, or the reason kubectl refuses it. */
export function jsonKey(s: GoScalar): string {
  switch (s.kind) {
    case "str":
      return s.value;
    case "bool":
      return String(s.value);
    case "int":
      return s.value.toString();
    case "float":
      return formatFloat32(s.value);
    case "null":
      throw new ScalarError("unsupported map key of type: <nil>");
    case "uint":
      throw new ScalarError("unsupported map key of type: uint64");
  }
}

/** Whether kubectl reads this text, written plain, as exactly this string (so it may go unquoted). */
export function kubectlReadsPlainAsText(text: string): boolean {
  try {
    const s = resolveScalar(undefined, text, true);
    return s.kind === "str" && s.value === text && !isMergeKey(undefined, text, true);
  } catch {
    return false;
  }
}
