/** Named steps with pass/fail and seconds, printed as the table `npm run e2e` ends with. */
import { alignedLines } from "../core/textTable";

export type StepStatus = "pass" | "FAIL" | "not run";

export interface StepRecord {
  name: string;
  status: StepStatus;
  seconds?: number;
  /** One line: what was proven, or why it failed. */
  detail: string;
}

/** A step failed; the message says what was expected and what happened. */
export class StepFailure extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

export class StepTable {
  readonly records: StepRecord[] = [];
  private failed = false;

  constructor(private readonly log: (line: string) => void) {}

  get ok(): boolean {
    return !this.failed && this.records.every((r) => r.status === "pass");
  }

  /**
   * Runs `body` unless an earlier step failed (then it is recorded as not run). Returns whether it
   * passed. `always` steps (teardown) run regardless.
   */
  async run(name: string, body: () => Promise<string>, options: { always?: boolean } = {}): Promise<boolean> {
    if (this.failed && !options.always) {
      this.records.push({ name, status: "not run", detail: "an earlier step failed" });
      return false;
    }
    this.log(`\n=== ${name}`);
    const started = Date.now();
    try {
      const detail = await body();
      const seconds = (Date.now() - started) / 1000;
      this.records.push({ name, status: "pass", seconds, detail });
      this.log(`--- pass (${seconds.toFixed(1)} s): ${detail}`);
      return true;
    } catch (err) {
      const seconds = (Date.now() - started) / 1000;
      const detail = err instanceof Error ? err.message : String(err);
      this.records.push({ name, status: "FAIL", seconds, detail });
      this.failed = true;
      this.log(`--- FAIL (${seconds.toFixed(1)} s): ${detail}`);
      return false;
    }
  }

  format(): string {
    const rows = this.records.map((r, i) => [String(i + 1), r.name, r.status, r.seconds === undefined ? "-" : r.seconds.toFixed(1), firstLine(r.detail)]);
    return alignedLines(["#", "STEP", "RESULT", "SECONDS", "DETAIL"], rows).join("\n");
  }
}

/** The first line, shortened at a word boundary: the whole of it is in the step's own log above. */
function firstLine(text: string, max = 160): string {
  const line = text.split("\n")[0];
  if (line.length <= max) return line;
  const cut = line.lastIndexOf(" ", max - 1);
  return `${line.slice(0, cut > max / 2 ? cut : max - 1).replace(/[;,:]$/, "")} …`;
}
