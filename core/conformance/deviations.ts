/**
 * Known enforcer deviations: a small YAML file beside a case (`<case>.deviation.yaml`) saying that
 * one enforcer answers some cells of the case differently from the spec, and which upstream test
 * shows the spec's answer. The engine stays with the spec; such cells are listed, and fail nothing.
 */
import { yaml } from "../lazyYaml";
import { PROTOCOLS } from "../netpol/ports";
import type { Protocol } from "../netpol/types";
import { CaseError } from "./caseModel";
import type { DeviationCell, KnownDeviation, ProbeCell } from "./types";

export const DEVIATION_SUFFIX = ".deviation.yaml";

const POD_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function text(file: string, doc: Record<string, unknown>, key: string): string {
  const v = doc[key];
  if (typeof v !== "string" || v.trim() === "") throw new CaseError(`${file}: ${key} is required (a non-empty string)`);
  return v.trim();
}

function cell(file: string, raw: unknown, i: number): DeviationCell {
  const at = `${file}: cells[${i}]`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CaseError(`${at} must be a mapping of step, from, to, port, protocol`);
  const m = raw as Record<string, unknown>;
  const out: DeviationCell = {};
  for (const key of Object.keys(m)) {
    if (!["step", "from", "to", "port", "protocol"].includes(key)) throw new CaseError(`${at}: unknown field ${key} (expected step, from, to, port, protocol)`);
  }
  if (m.step !== undefined) {
    if (!Number.isInteger(m.step) || (m.step as number) < 1) throw new CaseError(`${at}.step must be a step number (1, 2, ...)`);
    out.step = m.step as number;
  }
  for (const key of ["from", "to"] as const) {
    if (m[key] === undefined) continue;
    if (typeof m[key] !== "string" || !POD_ID.test(m[key] as string)) throw new CaseError(`${at}.${key} must be a pod of the case as namespace/name`);
    out[key] = m[key] as string;
  }
  if (m.port !== undefined) {
    if (!Number.isInteger(m.port) || (m.port as number) < 1 || (m.port as number) > 65535) throw new CaseError(`${at}.port must be a port number`);
    out.port = m.port as number;
  }
  if (m.protocol !== undefined) {
    if (!PROTOCOLS.includes(m.protocol as Protocol)) throw new CaseError(`${at}.protocol must be one of ${PROTOCOLS.join(", ")}`);
    out.protocol = m.protocol as Protocol;
  }
  if (Object.keys(out).length === 0) throw new CaseError(`${at} names no field; a deviation must say which cells it covers`);
  return out;
}

/** Parses a deviation file; throws CaseError naming the file on anything it cannot use. */
export function parseDeviation(content: string, file: string): KnownDeviation {
  let doc: unknown;
  try {
    doc = yaml().parse(content, { uniqueKeys: true });
  } catch (e) {
    throw new CaseError(`${file}: malformed YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new CaseError(`${file}: a deviation file is a mapping of enforcer, upstreamTest, explanation, cells`);
  const m = doc as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!["enforcer", "upstreamTest", "explanation", "cells"].includes(key)) throw new CaseError(`${file}: unknown field ${key} (expected enforcer, upstreamTest, explanation, cells)`);
  }
  if (!Array.isArray(m.cells) || m.cells.length === 0) throw new CaseError(`${file}: cells must list at least one cell the deviation covers`);
  return {
    enforcer: text(file, m, "enforcer"),
    upstreamTest: text(file, m, "upstreamTest"),
    explanation: text(file, m, "explanation"),
    cells: m.cells.map((c, i) => cell(file, c, i)),
    source: file,
  };
}

/** Whether a deviation covers a cell of a step. */
export function deviationCovers(deviation: KnownDeviation | undefined, step: number, c: ProbeCell): boolean {
  if (!deviation) return false;
  return deviation.cells.some(
    (d) =>
      (d.step === undefined || d.step === step) &&
      (d.from === undefined || d.from === c.from) &&
      (d.to === undefined || d.to === c.to) &&
      (d.port === undefined || d.port === c.port) &&
      (d.protocol === undefined || d.protocol === c.protocol),
  );
}
