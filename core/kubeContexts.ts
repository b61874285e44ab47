/**
 * The contexts of the user's kubeconfig (KUBECONFIG, else ~/.kube/config) and their servers, read
 * as plain YAML: for messages such as "your kubeconfig has kind-netpol, prod" and for the line a
 * preview prints about where it deploys. Never throws: an unreadable file has no contexts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { yaml } from "./lazyYaml";

export interface KubeconfigContext {
  name: string;
  /** The API server of the context's cluster, when the file names one. */
  server?: string;
}

export interface KubeconfigContexts {
  /** The files read, in KUBECONFIG order. */
  files: string[];
  contexts: KubeconfigContext[];
}

const list = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v.filter((x) => x !== null && typeof x === "object") : []);

/** The kubeconfig files kubectl would read: KUBECONFIG's existing entries, else ~/.kube/config if it exists. */
export function ambientKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KUBECONFIG ? env.KUBECONFIG.split(path.delimiter) : [path.join(env.HOME ?? os.homedir(), ".kube", "config")]).filter((f) => f !== "" && fs.existsSync(f));
}

export function readKubeconfigContexts(env: NodeJS.ProcessEnv = process.env): KubeconfigContexts {
  const files = ambientKubeconfigFiles(env);
  const contexts: KubeconfigContext[] = [];
  const servers = new Map<string, string>();
  for (const file of files) {
    let doc: Record<string, unknown>;
    try {
      doc = (yaml().parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    } catch {
      continue;
    }
    for (const c of list(doc.clusters)) {
      const server = (c.cluster as { server?: unknown } | undefined)?.server;
      if (typeof c.name === "string" && typeof server === "string" && !servers.has(c.name)) servers.set(c.name, server);
    }
    for (const c of list(doc.contexts)) {
      if (typeof c.name !== "string" || contexts.some((x) => x.name === c.name)) continue;
      const cluster = (c.context as { cluster?: unknown } | undefined)?.cluster;
      contexts.push({ name: c.name, ...(typeof cluster === "string" ? { cluster } : {}) } as KubeconfigContext & { cluster?: string });
    }
  }
  return {
    files,
    contexts: contexts.map((c) => {
      const cluster = (c as { cluster?: string }).cluster;
      const server = cluster ? servers.get(cluster) : undefined;
      return { name: c.name, ...(server ? { server } : {}) };
    }),
  };
}
