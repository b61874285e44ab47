/**
 * Throw-away certificates and keys for the local cluster, made with the machine's openssl: a CA,
 * the API server's serving certificate, the service-account signing key, and one client
 * certificate per component, so that each authenticates as itself (the kubelet as
 * system:node:NAME, which the Node authorizer and NodeRestriction check).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface CertPair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  caCert: string;
  server: CertPair;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** The API server's identity towards kubelets (exec, logs): system:masters. */
  apiserverKubeletClient: CertPair;
  kubeletClient: CertPair;
  kubeletServing: CertPair;
  kubeProxy: CertPair;
  kubeRouter: CertPair;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** Names in the API server's certificate: what clients inside and outside the namespace dial. */
export interface PkiNames {
  nodeName: string;
  nodeIp: string;
  /** The `kubernetes` Service's ClusterIP. */
  serviceIp: string;
}

/** Writes the PKI into `dir` and returns the file paths. */
export function createPki(dir: string, names: PkiNames): ClusterPki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7", "-subj", "/CN=prices-api-local-ca", "-keyout", "ca.key", "-out", "ca.crt"], dir);
  const issue = (name: string, subject: string, ext: string): CertPair => {
    fs.writeFileSync(file(`${name}.ext`), `${ext}\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`], dir);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "7", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
    return { cert: file(`${name}.crt`), key: file(`${name}.key`) };
  };
  const client = (name: string, subject: string) => issue(name, subject, "extendedKeyUsage=clientAuth");
  // The in-cluster names too: the Kubernetes provider and client-go check them when they talk to the server.
  const server = issue(
    "apiserver",
    "/CN=kube-apiserver",
    `subjectAltName=IP:127.0.0.1,IP:${names.nodeIp},IP:${names.serviceIp},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth`,
  );
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  return {
    caCert: file("ca.crt"),
    server,
    serviceAccountKey: file("sa.key"),
    serviceAccountPub: file("sa.pub"),
    apiserverKubeletClient: client("apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client"),
    kubeletClient: client("kubelet", `/O=system:nodes/CN=system:node:${names.nodeName}`),
    kubeletServing: issue("kubelet-serving", `/CN=${names.nodeName}`, `subjectAltName=IP:${names.nodeIp},DNS:${names.nodeName}\nextendedKeyUsage=serverAuth`),
    kubeProxy: client("kube-proxy", "/CN=system:kube-proxy"),
    kubeRouter: client("kube-router", "/CN=system:kube-router"),
  };
}
