/**
 * The kubeconfigs of an AKS stack, as plain text in and out. Pure (no Pulumi, no I/O).
 *
 * With Entra ID the stack never hands on what AKS returned: it keeps the cluster's endpoint (server
 * and CA) and writes its own user, a `kubelogin` exec with fixed arguments. A kubeconfig read back
 * from a stack's outputs is rebuilt the same way before any tool loads it, because whoever can write
 * the state could put any command in an exec user, and kubectl or the client library would run it.
 */
import { yaml } from "../lazyYaml";

/** The Entra ID application every AKS cluster with managed Entra ID integration accepts tokens for (Azure public cloud). */
export const AKS_AAD_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/**
 * `kubelogin get-token` with the Azure CLI's login: right on a laptop after `az login`. In GitHub
 * Actions the workflows set AAD_LOGIN_METHOD=workloadidentity (plus AZURE_CLIENT_ID and
 * AZURE_TENANT_ID), which kubelogin reads over --login and answers with the job's OIDC token, so the
 * kubeconfig, and with it the state, is the same wherever it runs.
 */
export const KUBELOGIN_ARGS: readonly string[] = ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_APP_ID];

export const KUBELOGIN_INSTALL_HINT = "kubelogin is not on PATH: install it with `az aks install-cli` or from https://azure.github.io/kubelogin/install.html";

/** What a kubeconfig needs to reach a cluster, without any credential. */
export interface ClusterEndpoint {
  /** https URL of the API server. */
  server: string;
  /** Base64 PEM of the cluster's CA. */
  certificateAuthorityData: string;
}

/** A kubeconfig that cannot be used; `problem` follows the source's name ("is not valid YAML (line 3, column 5)"). */
export class KubeconfigError extends Error {
  constructor(readonly problem: string) {
    super(`kubeconfig ${problem}`);
    this.name = "KubeconfigError";
  }
}

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => v !== null && typeof v === "object" && !Array.isArray(v);
const named = (list: unknown, name: unknown): Doc | undefined =>
  Array.isArray(list) ? (list.find((e) => isMap(e) && e.name === name) as Doc | undefined) : undefined;

/** Parses kubeconfig text; a syntax error is reported by line and column only, never by quoting the text (it holds tokens). */
function parse(text: string): Doc {
  // prettyErrors gives each error its linePos; its message (a code frame of the text) is never used.
  const doc = yaml().parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new KubeconfigError(`is not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ""}`);
  }
  const value: unknown = doc.toJS();
  if (!isMap(value)) throw new KubeconfigError("is not a kubeconfig (not a YAML mapping)");
  return value;
}

/** The current context's cluster and user entries (the first context when none is current). */
function current(doc: Doc): { cluster: Doc; user: Doc | undefined } {
  const contexts = Array.isArray(doc.contexts) ? doc.contexts.filter(isMap) : [];
  const context = named(contexts, doc["current-context"]) ?? contexts[0];
  const clusterName = isMap(context?.context) ? context.context.cluster : undefined;
  const userName = isMap(context?.context) ? context.context.user : undefined;
  const clusters = Array.isArray(doc.clusters) ? doc.clusters.filter(isMap) : [];
  const cluster = (clusterName === undefined ? clusters[0] : named(clusters, clusterName))?.cluster;
  if (!isMap(cluster)) throw new KubeconfigError("has no cluster for its current context");
  const user = userName === undefined ? undefined : named(doc.users, userName)?.user;
  return { cluster, user: isMap(user) ? user : undefined };
}

const AKS_SERVER = /^https:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.azmk8s\.io(:\d{1,5})?\/?$/i;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

function endpointOf(cluster: Doc): ClusterEndpoint {
  const server = cluster.server;
  // The token kubelogin fetches is valid on every AKS cluster of the tenant: it must only ever go to one.
  if (typeof server !== "string" || !AKS_SERVER.test(server)) {
    throw new KubeconfigError("names a server that is not an AKS API server (https://<name>.<region>.azmk8s.io)");
  }
  const ca = cluster["certificate-authority-data"];
  if (typeof ca !== "string" || ca.trim() === "" || !BASE64.test(ca)) {
    throw new KubeconfigError("has no certificate-authority-data for its cluster; without it the server's identity is not checked");
  }
  return { server, certificateAuthorityData: ca.replace(/\s+/g, "") };
}

/** The endpoint of the kubeconfig AKS returned (listClusterUserCredential), whatever its user says. */
export function clusterEndpoint(text: string): ClusterEndpoint {
  return endpointOf(current(parse(text)).cluster);
}

function kubeconfigText(name: string, endpoint: ClusterEndpoint, user: Doc): string {
  return yaml().stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: endpoint.server, "certificate-authority-data": endpoint.certificateAuthorityData } }],
    users: [{ name: `${name}-user`, user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user` } }],
    "current-context": name,
  });
}

/** The exec user of every Entra ID kubeconfig this project writes. */
function kubeloginUser(): Doc {
  return {
    exec: {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "kubelogin",
      args: [...KUBELOGIN_ARGS],
      installHint: KUBELOGIN_INSTALL_HINT,
      provideClusterInfo: false,
      interactiveMode: "Never",
    },
  };
}

/** The stack's kubeconfig for an Entra ID cluster: AKS's endpoint, and kubelogin as the only credential. */
export function kubeloginKubeconfig(name: string, endpoint: ClusterEndpoint): string {
  return kubeconfigText(name, endpoint, kubeloginUser());
}

/**
 * A kubeconfig read from a stack's outputs, rebuilt so that nothing in it is executed and its token
 * goes nowhere but an AKS API server: the current context's server (an `*.azmk8s.io` URL) and CA are
 * kept; an exec user becomes this project's kubelogin exec (its command, args and env are dropped);
 * a static token or client certificate (a `localAccounts` demo cluster) is kept as data; anything else
 * (auth-provider, token or certificate files, passwords) is dropped. Throws KubeconfigError.
 */
export function kubeconfigFromStackOutput(text: string): string {
  const { cluster, user } = current(parse(text));
  const endpoint = endpointOf(cluster);
  if (user?.exec !== undefined) return kubeloginKubeconfig("aks", endpoint);
  const data: Doc = {};
  if (typeof user?.token === "string" && user.token !== "") data.token = user.token;
  if (typeof user?.["client-certificate-data"] === "string" && typeof user?.["client-key-data"] === "string") {
    data["client-certificate-data"] = user["client-certificate-data"];
    data["client-key-data"] = user["client-key-data"];
  }
  if (Object.keys(data).length === 0) throw new KubeconfigError("has no credential this project uses (a kubelogin exec, a token or a client certificate)");
  return kubeconfigText("aks", endpoint, data);
}
