/** The objects the CLI tools analyse when no manifest path is given: the stack's own, read offline. */
import { stackIntent } from "../core/intent";
import { probeCallers, probeObjects } from "../core/intentGate";
import type { KubeObject } from "../core/netpol";
import { stackObjects } from "../core/stack";
import { readStackConfig } from "../core/stackConfigFile";

/**
 * `stackObjects(readStackConfig(stack))`, the same objects the Pulumi components apply; with
 * `probes`, plus the intent gate's probe pods and the namespaces they need.
 */
export function stackInputObjects(stack: string, probes: boolean, projectDir = process.cwd()): KubeObject[] {
  const config = readStackConfig(stack, projectDir);
  const objects = stackObjects(config);
  return probes ? [...objects, ...probeObjects(probeCallers(stackIntent(config)))] : objects;
}
