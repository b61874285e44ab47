/**
 * Pulumi's own words from a failed Automation API call. Its error message is a dump ("code: -2",
 * "stdout:", "stderr: Command failed with exit code 255: pulumi stack select ..."); what a user can
 * act on is the CLI's `error: ...` line, plus the fix for the usual causes.
 */
export function pulumiErrorText(err: unknown, stack?: string): string {
  const e = err as { stderr?: unknown; message?: unknown };
  const text = [typeof e.stderr === "string" ? e.stderr : "", typeof e.message === "string" ? e.message : String(err)].join("\n");
  const lines = text.split("\n").map((l) => l.trim());
  const error = lines.find((l) => /^error: /.test(l))?.replace(/^error: /, "") ?? lines.find((l) => l !== "" && !/^(code|stdout|stderr|err\?):/.test(l)) ?? "unknown error";
  const fixes: string[] = [];
  if (/no stack named/i.test(error)) fixes.push(`create it with: pulumi stack init ${stack ?? "<stack>"} --secrets-provider passphrase`);
  if (/passphrase/i.test(error)) fixes.push("export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) in this shell");
  return fixes.length > 0 ? `${error}; ${fixes.join("; ")}` : error;
}
