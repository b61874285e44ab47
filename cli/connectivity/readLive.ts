/**
 * The live source of `connectivity --kubeconfig`: resolve the kubeconfig, list the objects, and turn
 * "no cluster here" into one line. A module of its own so that the offline commands never load
 * @kubernetes/client-node, which alone costs more start-up than everything else.
 */
import type { LiveObjects } from "../../core/netpol";
import { connect, NoClusterError, unreachable } from "../verify/connect";
import { LiveReadError, readLiveObjects } from "./liveCluster";

/** A live cluster could not be read; the message is the one line to print. */
export class LiveSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LiveSourceError";
  }
}

export async function readLive(kubeconfig: string, context: string | undefined): Promise<LiveObjects> {
  try {
    const connection = await connect({ kubeconfig, ...(context !== undefined ? { context } : {}), projectDir: process.cwd(), env: process.env });
    try {
      return await readLiveObjects(connection.kubeConfig);
    } catch (err) {
      throw unreachable(err, connection) ?? err;
    }
  } catch (err) {
    if (err instanceof NoClusterError || err instanceof LiveReadError) throw new LiveSourceError(err.message, { cause: err });
    throw err;
  }
}
