/** The command line of `npm run verify`. Pure: returns what to do, or throws UsageError. */
import { parseArgs } from "node:util";
import { UsageError } from "../args";

export const VERIFY_USAGE = `Usage: npm run verify -- [--stack NAME] [--kubeconfig FILE] [--context NAME] [options]

Proves on a live cluster that the NetworkPolicies do what the engine says: runs one curl pod per
probe (the allowed callers and impostors of the intent gate) against prices-api, compares what
got through with what should, and deletes every probe pod and namespace afterwards.

  -s, --stack NAME        stack whose intent to check; also where the cluster is: the stack's
                          kubeconfig output (clusterMode aks, needs the Pulumi CLI), or the
                          current kubeconfig and the stack's kubeContext (clusterMode existing)
  -k, --kubeconfig FILE   use this kubeconfig instead (the intent still comes from --stack, default dev)
  -c, --context NAME      kubeconfig context to use (default: the stack's kubeContext, else current)
  -y, --yes               use the current kubeconfig context without asking (needed when neither
                          --stack nor --kubeconfig is given and verify does not run on a terminal)
      --timeout SECONDS   how long one probe pod may take, image pull included (default 120)
      --request-timeout SECONDS
                          how long one API call may take before the cluster counts as unreachable (default 10)
      --refusal-is-block  accepted for old scripts, no longer needed: a refusal counts as blocked
                          whenever an allowed caller reached prices-api in the same round
  -h, --help              this help

Without --stack or --kubeconfig: the current kubeconfig context, and the intent of stack dev.
Exit 0 when every probe behaved as expected; 1 on a mismatch, a probe error, an API that is not
ready or no reachable cluster; 2 on bad arguments or config; 130 when interrupted.
Leftovers of a killed run: kubectl delete pods,namespaces -A -l app.kubernetes.io/managed-by=netpol-verify`;

export type VerifyArgs =
  | { help: true }
  | {
      help: false;
      /** The stack named on the command line, if any. */
      stack?: string;
      /** The stack whose config gives the intent: --stack, else dev. */
      intentStack: string;
      kubeconfig?: string;
      context?: string;
      podTimeoutSeconds: number;
      requestTimeoutSeconds: number;
      refusalIsBlock: boolean;
      /** Confirms the current kubeconfig context when neither --stack nor --kubeconfig names a cluster. */
      yes: boolean;
    };

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const DEFAULT_INTENT_STACK = "dev";

function seconds(option: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const accepted = `expected a number of seconds above 0 and at most ${max}`;
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`--${option} ${JSON.stringify(value)} is not a number of seconds; ${accepted}`);
  if (n <= 0 || n > max) throw new UsageError(`--${option} ${JSON.stringify(value)} is out of range; ${accepted}`);
  return n;
}

export const VERIFY_OPTIONS = {
  stack: { type: "string", short: "s" },
  kubeconfig: { type: "string", short: "k" },
  context: { type: "string", short: "c" },
  timeout: { type: "string" },
  "request-timeout": { type: "string" },
  "refusal-is-block": { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseVerifyArgs(argv: string[]): VerifyArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: VERIFY_OPTIONS,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  if (values.help) return { help: true };
  const stack = values.stack as string | undefined;
  if (stack !== undefined && !STACK_NAME.test(stack)) {
    throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name; expected letters, digits, '-', '_' or '.'`);
  }
  const kubeconfig = values.kubeconfig as string | undefined;
  if (kubeconfig === "") throw new UsageError("--kubeconfig needs a file name");
  const context = values.context as string | undefined;
  if (context === "") throw new UsageError("--context needs a context name");
  return {
    help: false,
    stack,
    intentStack: stack ?? DEFAULT_INTENT_STACK,
    kubeconfig,
    context,
    podTimeoutSeconds: seconds("timeout", values.timeout as string | undefined, 120, 3600),
    requestTimeoutSeconds: seconds("request-timeout", values["request-timeout"] as string | undefined, 10, 300),
    refusalIsBlock: values["refusal-is-block"] === true,
    yes: values.yes === true,
  };
}
