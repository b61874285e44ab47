/**
 * The live source of `connectivity --kubeconfig`: resolve the kubeconfig, list the objects, and turn
 * "no cluster here" into one line. A module of its own so that the offline commands never load
 * @kubernetes/client-node, which alone costs more start-up than everything else.
 */
import type { LiveObjects } from "../../core/netpol";
import { connect, unreachable } from "../verify/connect";
import { readLiveObjects } from "./liveCluster";

/** The objects of a live cluster; "no cluster here" is a NoClusterError or LiveReadError whose message is the one line to print. */
export async function readLive(kubeconfig: string, context: string | undefined): Promise<LiveObjects> {
  const connection = await connect({ kubeconfig, ...(context !== undefined ? { context } : {}), projectDir: process.cwd(), env: process.env });
  try {
    return await readLiveObjects(connection.kubeConfig);
  } catch (err) {
    throw unreachable(err, connection) ?? err;
  }
}
