/**
 * One question to an AKS API server: may the identity that kubelogin signs in create namespaces?
 * The I/O half of the role-assignment wait (core/stack/clusterAccess.ts has the rules). It runs in
 * the dynamic provider's process, so it takes plain values and uses node's own modules only.
 */
import type * as ChildProcess from "node:child_process";
import type * as Https from "node:https";
import { accessAnswer, accessReviewBody, type AccessAnswer } from "../core/stack/clusterAccess";
import type { ClusterEndpoint } from "../core/stack/kubeconfig";

const TOKEN_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

/** A bearer token from `kubelogin <args>` (an ExecCredential on stdout), as kubectl would get it. */
// Required where they are used: the dynamic provider's serializer copies what a function captures,
// and a module object imported at the top (wrapped by the transpiler) cannot be copied.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const builtin = <T>(name: string): T => require(name) as T;

function kubeloginToken(args: readonly string[]): Promise<string> {
  const { execFile } = builtin<typeof ChildProcess>("node:child_process");
  return new Promise((resolve, reject) => {
    execFile("kubelogin", [...args], { timeout: TOKEN_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
        reject(new Error(missing ? "kubelogin is not on PATH (README, Prerequisites)" : `kubelogin get-token failed: ${String(stderr).trim().split("\n").pop() ?? err.message}`));
        return;
      }
      try {
        const token = (JSON.parse(stdout) as { status?: { token?: unknown } }).status?.token;
        if (typeof token !== "string" || token === "") throw new Error("no status.token");
        resolve(token);
      } catch {
        reject(new Error("kubelogin get-token printed no ExecCredential with a token"));
      }
    });
  });
}

/** POSTs a SelfSubjectAccessReview with the token and reads the answer. */
export async function askCluster(endpoint: ClusterEndpoint, kubeloginArgs: readonly string[]): Promise<AccessAnswer> {
  const https = builtin<typeof Https>("node:https");
  const token = await kubeloginToken(kubeloginArgs);
  const url = new URL("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", endpoint.server);
  const body = JSON.stringify(accessReviewBody());
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: "POST",
        ca: Buffer.from(endpoint.certificateAuthorityData, "base64"),
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json", "content-length": Buffer.byteLength(body) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve(accessAnswer(response.statusCode ?? 0, parsed));
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${url.host} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
    request.on("error", reject);
    request.end(body);
  });
}
