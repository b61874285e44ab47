/** The objects the CLI tools analyse when no manifest path is given: the stack's own, read offline. */
import { stackIntent } from "../core/intent";
import { probeCallers, probeObjects } from "../core/intentGate";
import type { KubeObject } from "../core/netpol";
import { stackObjects } from "../core/stack";
import { readStackConfig } from "../core/stackConfigFile";

export interface StackInput {
  /** `stackObjects(readStackConfig(stack))`: exactly what the Pulumi components apply. */
  deployed: KubeObject[];
  /** The intent gate's probe pods and the namespaces they need (empty without `probes`). */
  probes: KubeObject[];
}

export function stackInput(stack: string, probes: boolean, projectDir = process.cwd()): StackInput {
  const config = readStackConfig(stack, projectDir);
  return {
    deployed: stackObjects(config),
    probes: probes ? probeObjects(probeCallers(stackIntent(config))) : [],
  };
}
