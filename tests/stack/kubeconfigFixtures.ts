/** Kubeconfigs as AKS returns them, for the tests of the stack, verify and check. */
export const SERVER = "https://policy-demo-dev-abc123.hcp.australiaeast.azmk8s.io:443";
export const CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

/** A kubeconfig as AKS returns it for an Entra ID cluster (format exec), with whatever user it likes. */
export function aksKubeconfig(user: Record<string, unknown>, server = SERVER): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${CA}`,
    `    server: ${server}`,
    "  name: policy-demo",
    "contexts:",
    "- context:",
    "    cluster: policy-demo",
    "    user: clusterUser_rg_policy-demo",
    "  name: policy-demo",
    "current-context: policy-demo",
    "users:",
    "- name: clusterUser_rg_policy-demo",
    `  user: ${JSON.stringify(user)}`,
    "",
  ].join("\n");
}

