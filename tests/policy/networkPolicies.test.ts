import assert from "node:assert/strict";
import { lintPolicy } from "../../core/netpol";
import { defaultDenyIngress, isDefaultDenyIngress } from "../../policy/rules/defaultDenyIngress";
import { asNetworkPolicy, networkPolicyAdvice, networkPolicyOrTrap } from "../../policy/rules/networkPolicyLint";
import { container, networkPolicy, podSpec, service, workload } from "./fixtures";
import { stackViolations, violations } from "./harness";

const DENY = { podSelector: {}, policyTypes: ["Ingress"] };

// The tutorial's policy: two peers, so "any pod in critical-project OR any app=prices-api-consumer pod in pricing-ns".
const TUTORIAL_OR_TRAP = {
  podSelector: { matchLabels: { app: "prices-api" } },
  policyTypes: ["Ingress"],
  ingress: [
    {
      from: [{ namespaceSelector: { matchLabels: { project: "critical-project" } } }, { podSelector: { matchLabels: { app: "prices-api-consumer" } } }],
      ports: [{ protocol: "TCP", port: 8080 }],
    },
  ],
};

const ANDED = {
  ...TUTORIAL_OR_TRAP,
  ingress: [
    {
      from: [{ namespaceSelector: { matchLabels: { project: "critical-project" } }, podSelector: { matchLabels: { app: "prices-api-consumer" } } }],
      ports: [{ protocol: "TCP", port: 8080 }],
    },
  ],
};

describe("policy networkpolicy-no-or-trap (the engine's lintPolicy)", () => {
  it("passes a policy whose peer ANDs namespace and pod selectors", async () => {
    assert.deepEqual(await violations(networkPolicyOrTrap, networkPolicy("pricing-ns", ANDED)), []);
  });

  it("refuses the tutorial's OR trap, with the engine's code, field and message", async () => {
    const resource = networkPolicy("pricing-ns", TUTORIAL_OR_TRAP, "prices-api-network-policy");
    const found = await violations(networkPolicyOrTrap, resource);
    const expected = lintPolicy(asNetworkPolicy(resource.props, "x")).filter((w) => w.code === "or-trap");
    assert.equal(expected.length, 1, "the engine flags the tutorial policy");
    assert.equal(found.length, 1);
    assert.equal(found[0], `NetworkPolicy pricing-ns/prices-api-network-policy [or-trap at spec.ingress[0].from]: ${expected[0].message}`);
    assert.match(found[0], /put both selectors in ONE peer/);
  });

  it("finds the trap in egress rules too", async () => {
    const egress = { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: TUTORIAL_OR_TRAP.ingress[0].from }] };
    const found = await violations(networkPolicyOrTrap, networkPolicy("pricing-ns", egress));
    assert.equal(found.length, 1);
    assert.match(found[0], /\[or-trap at spec\.egress\[0\]\.to\]/);
  });

  it("names an auto-named policy after its Pulumi resource", () => {
    const np = asNetworkPolicy({ metadata: { namespace: "ns" }, spec: DENY }, "deny-all");
    assert.equal(np.metadata.name, "deny-all");
    assert.equal(np.metadata.namespace, "ns");
  });

  it("ignores other kinds", async () => {
    assert.deepEqual(await violations(networkPolicyOrTrap, service("ClusterIP")), []);
  });
});

describe("policy networkpolicy-lint (advisory, the engine's other lintPolicy warnings)", () => {
  const egressOnly = { podSelector: { matchLabels: { app: "x" } }, egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] };

  it("is advisory", () => {
    assert.equal(networkPolicyAdvice.enforcementLevel, "advisory");
  });

  it("passes a policy with explicit policyTypes", async () => {
    assert.deepEqual(await violations(networkPolicyAdvice, networkPolicy("apps", { ...egressOnly, policyTypes: ["Egress"] })), []);
  });

  it("flags egress rules with policyTypes omitted, and leaves the OR trap to the mandatory rule", async () => {
    const found = await violations(networkPolicyAdvice, networkPolicy("apps", egressOnly));
    assert.equal(found.length, 1);
    assert.match(found[0], /^NetworkPolicy apps\/np \[egress-without-policy-types at spec\.policyTypes\]/);
    assert.deepEqual(await violations(networkPolicyAdvice, networkPolicy("pricing-ns", TUTORIAL_OR_TRAP)), []);
  });
});

describe("policy namespace-default-deny-ingress (stack)", () => {
  const app = (ns: string) => workload("Deployment", podSpec([container()]), ns);

  it("recognises default-deny shapes", () => {
    assert.equal(isDefaultDenyIngress({ spec: DENY }), true);
    assert.equal(isDefaultDenyIngress({ spec: { podSelector: { matchLabels: {} }, ingress: [] } }), true, "policyTypes defaults to Ingress");
    assert.equal(isDefaultDenyIngress({ spec: { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"] } }), false, "selects some pods only");
    assert.equal(isDefaultDenyIngress({ spec: { podSelector: {}, policyTypes: ["Egress"] } }), false, "egress only");
    assert.equal(isDefaultDenyIngress({ spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] } }), false, "an empty rule admits everyone");
  });

  it("passes when every namespace with workloads has a default deny", async () => {
    const found = await stackViolations(defaultDenyIngress, [app("a"), app("b"), networkPolicy("a", DENY), networkPolicy("b", DENY), service("ClusterIP")]);
    assert.deepEqual(found, []);
  });

  it("refuses a namespace without one, blaming its workload", async () => {
    const workloadA = app("a");
    const found = await stackViolations(defaultDenyIngress, [workloadA, app("b"), networkPolicy("b", DENY), networkPolicy("a", ANDED)]);
    assert.equal(found.length, 1);
    assert.match(found[0].message, /^Namespace a runs Deployment a\/my-deployment but has no default-deny ingress NetworkPolicy/);
    assert.match(found[0].message, /spec \{podSelector: \{\}, policyTypes: \[Ingress\]\}/);
    assert.match(found[0].urn ?? "", /::kubernetes:apps\/v1:Deployment::wl$/);
  });

  it("counts workloads without a namespace as the default namespace", async () => {
    const bare = workload("Pod", podSpec([container()]));
    delete (bare.props.metadata as Record<string, unknown>).namespace;
    const found = await stackViolations(defaultDenyIngress, [bare, networkPolicy("apps", DENY)]);
    assert.equal(found.length, 1);
    assert.match(found[0].message, /^Namespace default runs Pod my-pod/);
  });

  it("does not ask namespaces without workloads for a policy", async () => {
    assert.deepEqual(await stackViolations(defaultDenyIngress, [service("ClusterIP"), { type: "kubernetes:core/v1:Namespace", props: { metadata: { name: "empty" } } }]), []);
  });
});
