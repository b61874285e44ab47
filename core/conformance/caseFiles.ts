/**
 * Finds the cases of `--cases PATH...` on disk and reads their manifests.
 *
 * - A file (.yaml, .yml, .json) is one case, named after the file.
 * - A folder is one case, named after the folder: its manifest files are applied first, then its
 *   step folders `step1/`, `step2/`, … one after another.
 * - A folder that holds other folders than step folders is a folder of cases: each subfolder and
 *   each manifest file in it is a case, and the manifests of its `model/` folder are the first
 *   objects of every one of them (upstream's namespaces x, y, z with pods a, b, c, written once);
 *   a case of such a folder named on its own gets the model too.
 * - `<case>.deviation.yaml` beside a case marks a known enforcer deviation (deviations.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { loadManifestPaths, type SourcedObject } from "../netpol/load";
import { buildCase, CaseError, type CaseInput } from "./caseModel";
import { DEVIATION_SUFFIX, parseDeviation } from "./deviations";
import type { ConformanceCase } from "./types";

const MANIFEST = /\.(ya?ml|json)$/i;
const STEP = /^step([1-9][0-9]*)$/;
export const MODEL_FOLDER = "model";

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    throw new CaseError(`${path}: cannot read: ${(e as Error).message}`);
  }
}

const caseName = (path: string) => basename(path).replace(/\.(ya?ml|json)$/i, "");

function manifestFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((f) => MANIFEST.test(f) && !f.endsWith(DEVIATION_SUFFIX) && !isDir(join(dir, f)))
    .map((f) => join(dir, f));
}

function deviationBeside(path: string): CaseInput["deviation"] {
  const file = join(path, "..", `${caseName(path)}${DEVIATION_SUFFIX}`);
  return existsSync(file) ? parseDeviation(readFileSync(file, "utf8"), file) : undefined;
}

/** The step folders of a case folder, in order; anything else that is a folder is a mistake. */
function stepFolders(dir: string): string[] {
  const steps: Array<{ n: number; path: string }> = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (!isDir(path)) continue;
    const m = STEP.exec(entry);
    if (!m) throw new CaseError(`${path}: a case folder holds manifests and step folders (step1/, step2/, ...), not ${entry}/`);
    steps.push({ n: Number(m[1]), path });
  }
  steps.sort((a, b) => a.n - b.n);
  steps.forEach((s, i) => {
    if (s.n !== i + 1) throw new CaseError(`${dir}: step folders must be step1/ to step${steps.length}/ without gaps; found ${basename(s.path)}/ as folder ${i + 1}`);
  });
  return steps.map((s) => s.path);
}

function readCase(path: string, model: SourcedObject[]): ConformanceCase {
  const deviation = deviationBeside(path);
  if (!isDir(path)) {
    return buildCase({ name: caseName(path), source: path, base: [...model, ...loadManifestPaths([path])], steps: [], ...(deviation ? { deviation } : {}) });
  }
  const steps = stepFolders(path).map((s) => {
    const files = manifestFiles(s);
    return files.length === 0 ? [] : loadManifestPaths(files);
  });
  const own = manifestFiles(path);
  return buildCase({
    name: caseName(path),
    source: path,
    base: [...model, ...(own.length === 0 ? [] : loadManifestPaths(own))],
    steps,
    ...(deviation ? { deviation } : {}),
  });
}

/** The shared model of a folder of cases; a case named on its own inside one gets it too. */
function modelOf(dir: string): SourcedObject[] {
  const modelDir = join(dir, MODEL_FOLDER);
  return existsSync(modelDir) && isDir(modelDir) ? loadManifestPaths(manifestFiles(modelDir)) : [];
}

function isCaseCollection(dir: string): boolean {
  return readdirSync(dir).some((e) => !STEP.test(e) && isDir(join(dir, e)));
}

/** Every case under the given paths, in order; throws CaseError or ManifestError on a bad one. */
export function loadCases(paths: readonly string[]): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new CaseError(`${path}: no such file or folder`);
    if (!isDir(path)) {
      if (!MANIFEST.test(path)) throw new CaseError(`${path}: a case file is .yaml, .yml or .json`);
      cases.push(readCase(path, modelOf(dirname(path))));
    } else if (!isCaseCollection(path)) {
      cases.push(readCase(path, modelOf(dirname(path))));
    } else {
      const model = modelOf(path);
      const entries = readdirSync(path)
        .sort()
        .filter((e) => e !== MODEL_FOLDER && !e.endsWith(DEVIATION_SUFFIX) && (MANIFEST.test(e) || isDir(join(path, e))));
      for (const entry of entries) cases.push(readCase(join(path, entry), model));
      for (const stray of readdirSync(path).filter((e) => e.endsWith(DEVIATION_SUFFIX))) {
        const name = stray.slice(0, -DEVIATION_SUFFIX.length);
        if (!entries.some((e) => caseName(e) === name)) throw new CaseError(`${join(path, stray)}: there is no case ${name} beside it`);
      }
    }
  }
  const names = new Map<string, string>();
  for (const c of cases) {
    const other = names.get(c.name);
    if (other) throw new CaseError(`two cases are named ${c.name}: ${other} and ${c.source}`);
    names.set(c.name, c.source);
  }
  if (cases.length === 0) throw new CaseError(`no cases in ${paths.join(", ")}`);
  return cases;
}
