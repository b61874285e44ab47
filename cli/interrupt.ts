/** Signals that stop a command which created objects on a cluster: it then deletes them itself. */
export const INTERRUPTING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The exit code of a run stopped by a signal (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * SIGINT/SIGTERM/SIGHUP abort `controller` (the run then deletes what it created, `deleting`); a
 * second signal exits at once and names the command that removes the leftovers. Returns the
 * function that takes the handlers off again.
 */
export function interruptOnSignals(controller: AbortController, deleting: string, leftoverCleanupCommand: string): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`${signal} again: exiting without cleanup; remove leftovers with: ${leftoverCleanupCommand}\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(`${signal}: stopping; deleting ${deleting} (press Ctrl-C again to skip)\n`);
    controller.abort();
  };
  for (const s of INTERRUPTING_SIGNALS) process.on(s, onSignal);
  return () => {
    for (const s of INTERRUPTING_SIGNALS) process.off(s, onSignal);
  };
}
