/**
 * A long-running component of the local cluster (etcd, kubelet, ...). It runs detached, in a
 * session of its own, with its output in a log file: `npm run local -- up` ends while the cluster
 * runs on, and a later `status` or `down` finds it again by its record.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, processRecord, stopProcess, type ProcessRecord } from "./processes";

export interface DaemonSpec {
  name: string;
  /** The command line as it is run, namespace entry (nsenter) included. */
  command: string;
  args: readonly string[];
}

export class Daemon {
  record?: ProcessRecord;

  constructor(
    readonly spec: DaemonSpec,
    readonly logFile: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.record !== undefined && isAlive(this.record);
  }

  start(): void {
    if (this.running) return;
    const log = fs.openSync(this.logFile, "a");
    const child = spawn(this.spec.command, this.spec.args, { stdio: ["ignore", log, log], detached: true });
    fs.closeSync(log);
    child.once("error", (err) => fs.appendFileSync(this.logFile, `\n[local] could not start ${this.name}: ${err.message}\n`));
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${this.name} (${this.spec.command}); see ${this.logFile}`);
    this.record = processRecord(this.name, child.pid);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.record) await stopProcess(this.record, graceMs);
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 15): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value; throws with `what` and the last error after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ""}`);
    await sleep(intervalMs);
  }
}
