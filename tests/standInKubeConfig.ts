/** A KubeConfig for a stand-in API server listening on 127.0.0.1 (plain HTTP, any token). */
import { KubeConfig } from "@kubernetes/client-node";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export function standInKubeConfig(server: Server): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "stand-in", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "c", cluster: "stand-in", user: "u" }],
    currentContext: "c",
  });
  return kc;
}
