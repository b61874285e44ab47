/**
 * What the local cluster's components are told: addresses, config files and the in-cluster objects
 * (CoreDNS, kube-router's RBAC). Pure: paths in, text and objects out, so the layout is testable
 * without starting anything.
 */
import type { KubeObject } from "../core/netpol/types";

/** Addresses inside the cluster's network namespace; nothing outside it can see or reach them. */
export const NETWORK = {
  /** The node's address, on a bridge with no ports: the namespace's only way "out", which leads nowhere. */
  nodeBridge: "node0",
  nodeIp: "10.201.0.1",
  nodeCidr: "10.201.0.1/24",
  /** The API server inside the namespace. */
  apiserverPort: 6443,
  clusterCidr: "10.244.0.0/16",
  /** The node's pod range: the first /24 the controller-manager allocates from clusterCidr. */
  podCidr: "10.244.0.0/24",
  podBridge: "cni0",
  serviceCidr: "10.96.0.0/16",
  kubernetesServiceIp: "10.96.0.1",
  dnsServiceIp: "10.96.0.10",
  clusterDomain: "cluster.local",
} as const;

export const NODE_NAME = "prices-api-local-node";
/** The kubeconfig context every local cluster's kubeconfig names (Pulumi.local.yaml's kubeContext). */
export const CLUSTER_CONTEXT = "prices-api-local";

/** Where one cluster keeps its files; every path is under `root`, nothing else is written. */
export interface ClusterLayout {
  root: string;
  logs: string;
  pki: string;
  etcdData: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  containerdConfig: string;
  cniConfDir: string;
  kubeletConfig: string;
  kubeProxyConfig: string;
  resolvConf: string;
  /** Bind-mounted over /run, /var/lib and /var/log inside the cluster's mount namespace. */
  runDir: string;
  varLibDir: string;
  varLogDir: string;
  /** Kubeconfigs: admin from the host (through the forwarder), components from inside. */
  hostKubeconfig: string;
  tokensCsv: string;
  state: string;
  forwarderPortFile: string;
}

export function clusterLayout(root: string): ClusterLayout {
  const p = (...parts: string[]) => [root, ...parts].join("/");
  return {
    root,
    logs: p("logs"),
    pki: p("pki"),
    etcdData: p("etcd"),
    containerdRoot: p("containerd", "root"),
    containerdState: p("containerd", "state"),
    // A short name: a unix socket path is limited to 107 bytes.
    containerdSocket: p("containerd.sock"),
    containerdConfig: p("containerd", "config.toml"),
    cniConfDir: p("cni"),
    kubeletConfig: p("kubelet.yaml"),
    kubeProxyConfig: p("kube-proxy.yaml"),
    resolvConf: p("resolv.conf"),
    runDir: p("ns-root", "run"),
    varLibDir: p("ns-root", "var-lib"),
    varLogDir: p("ns-root", "var-log"),
    hostKubeconfig: p("kubeconfig.yaml"),
    tokensCsv: p("tokens.csv"),
    state: p("cluster.json"),
    forwarderPortFile: p("apiserver-port"),
  };
}

/** The cgroup (in every v1 hierarchy) under which the kubelet puts every pod of this cluster. */
export function cgroupRoot(name: string): string {
  return `/prices-api-netpol-${name}`;
}

export function componentKubeconfig(opts: { server: string; caCert: string; user: { cert: string; key: string } | { token: string } }): string {
  const user = "token" in opts.user ? [`    token: ${opts.user.token}`] : [`    client-certificate: ${opts.user.cert}`, `    client-key: ${opts.user.key}`];
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${CLUSTER_CONTEXT}`,
    "  cluster:",
    `    server: ${opts.server}`,
    `    certificate-authority: ${opts.caCert}`,
    "users:",
    "- name: user",
    "  user:",
    ...user,
    "contexts:",
    `- name: ${CLUSTER_CONTEXT}`,
    "  context:",
    `    cluster: ${CLUSTER_CONTEXT}`,
    "    user: user",
    `current-context: ${CLUSTER_CONTEXT}`,
    "",
  ].join("\n");
}

/** The bridge CNI network: pods on cni0 with the node's pod range; no masquerade, there is nowhere to go. */
export function cniConflist(): string {
  return `${JSON.stringify(
    {
      cniVersion: "0.4.0",
      name: "prices-api-local",
      plugins: [
        {
          type: "bridge",
          bridge: NETWORK.podBridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: "host-local", ranges: [[{ subnet: NETWORK.podCidr }]], routes: [{ dst: "0.0.0.0/0" }] },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

/** containerd 1.6 (Debian's), with every path under the cluster's folder. */
export function containerdConfig(layout: ClusterLayout, pauseImage: string): string {
  return `version = 2
root = "${layout.containerdRoot}"
state = "${layout.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${layout.containerdSocket}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage}"
  # This VM grants no CAP_SYS_RESOURCE: runc would fail every sandbox writing oom_score_adj.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${layout.cniConfDir}"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
`;
}

export function kubeletConfig(layout: ClusterLayout, opts: { caCert: string; servingCert: { cert: string; key: string }; cgroupRoot: string }): string {
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // These machines mount cgroup v1 hierarchies; kubelet 1.35 refuses them unless told otherwise.
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    cgroupRoot: opts.cgroupRoot,
    containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
    address: NETWORK.nodeIp,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: opts.caCert } },
    authorization: { mode: "Webhook" },
    tlsCertFile: opts.servingCert.cert,
    tlsPrivateKeyFile: opts.servingCert.key,
    clusterDNS: [NETWORK.dnsServiceIp],
    clusterDomain: NETWORK.clusterDomain,
    resolvConf: layout.resolvConf,
    failSwapOn: false,
    // Images are imported, never pulled: garbage-collecting one would break the next pod that needs it.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // A busy CI disk must not taint the only node.
    evictionHard: { "memory.available": "50Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%" },
    registerWithTaints: [],
    maxPods: 110,
    serializeImagePulls: false,
    nodeStatusReportFrequency: "10s",
    syncFrequency: "5s",
    fileCheckFrequency: "5s",
    shutdownGracePeriod: "0s",
    logging: { format: "text" },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function kubeProxyConfig(kubeconfig: string): string {
  const config = {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    // --proxy-mode is ignored when --config is given: the mode goes here.
    mode: "iptables",
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    clusterCIDR: NETWORK.clusterCidr,
    bindAddress: NETWORK.nodeIp,
    healthzBindAddress: "127.0.0.1:10256",
    metricsBindAddress: "127.0.0.1:10249",
    // nf_conntrack_max is global to the machine: leave it as it is.
    conntrack: { maxPerCore: 0, min: 0 },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** kube-router as k3s embeds it: the network policy controller only (no routing, no service proxy, no CNI). */
export function kubeRouterArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    "--run-firewall=true",
    "--run-router=false",
    "--run-service-proxy=false",
    "--enable-cni=false",
    "--enable-ipv6=false",
    `--hostname-override=${NODE_NAME}`,
    `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
    "--metrics-port=0",
    "--health-port=20244",
    "--iptables-sync-period=30s",
    "--v=1",
  ];
}

/** What kube-router's policy controller reads and watches, for its own user (its client certificate's CN). */
export function kubeRouterRbac(): KubeObject[] {
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "prices-api-local:kube-router" },
      rules: [
        { apiGroups: [""], resources: ["namespaces", "pods", "services", "nodes", "endpoints"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
      ],
    } as KubeObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "prices-api-local:kube-router" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "prices-api-local:kube-router" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:kube-router" }],
    } as KubeObject,
  ];
}

/**
 * CoreDNS as clusters run it: a Deployment in kube-system behind the kube-dns Service. It answers
 * for cluster.local only; with no `forward` plugin no query ever leaves the cluster.
 */
export function corednsObjects(image: string): KubeObject[] {
  const labels = { "k8s-app": "kube-dns" };
  const corefile = [
    ".:53 {",
    "    errors",
    "    health :8080",
    "    ready :8181",
    `    kubernetes ${NETWORK.clusterDomain} in-addr.arpa ip6.arpa {`,
    "        pods insecure",
    "        fallthrough in-addr.arpa ip6.arpa",
    "    }",
    "    cache 30",
    "    loop",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: "kube-system" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns" },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    } as KubeObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
    } as KubeObject,
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: "kube-system" }, data: { Corefile: corefile } } as KubeObject,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: "kube-system", labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "coredns",
            dnsPolicy: "Default",
            priorityClassName: "system-cluster-critical",
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: "coredns",
                image,
                imagePullPolicy: "Never",
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                ],
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 10 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } },
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
              },
            ],
            volumes: [{ name: "config", configMap: { name: "coredns" } }],
          },
        },
      },
    } as KubeObject,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: "kube-system", labels },
      spec: {
        clusterIP: NETWORK.dnsServiceIp,
        selector: labels,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
        ],
      },
    } as KubeObject,
  ];
}
