/**
 * The fixtures say what upstream's tests say: for every case and step, the engine's prediction on
 * the port and protocol upstream probes equals the truth table upstream expects
 * (`reachability.Expect...` in network_policy.go, written here in the same words). That makes a
 * fixture's upstream test the spec's answer for its cells, which is what a deviation file cites.
 */
import { strict as assert } from "node:assert";
import { predictStep } from "../../core/conformance/prediction";
import { RunNames } from "../../core/conformance/runNames";
import { fixtureCase, readBackOf } from "./helpers";

const PODS = ["x", "y", "z"].flatMap((ns) => ["a", "b", "c"].map((p) => `${ns}/${p}`));

interface Peer {
  ns?: string;
  pod?: string;
}
const matches = (peer: Peer, id: string) => (!peer.ns || id.startsWith(`${peer.ns}/`)) && (!peer.pod || id.endsWith(`/${peer.pod}`));

/** Upstream's Reachability: everything connected by default, then the Expect calls in order. */
class Reachability {
  readonly expected = new Map<string, boolean>(PODS.flatMap((f) => PODS.map((t) => [`${f} ${t}`, true] as const)));
  peer(from: Peer, to: Peer, connected: boolean): this {
    for (const f of PODS) for (const t of PODS) if (matches(from, f) && matches(to, t)) this.expected.set(`${f} ${t}`, connected);
    return this;
  }
  allIngress(to: string, connected: boolean): this {
    return this.peer({}, { ns: to.split("/")[0], pod: to.split("/")[1] }, connected);
  }
  allEgress(from: string, connected: boolean): this {
    return this.peer({ ns: from.split("/")[0], pod: from.split("/")[1] }, {}, connected);
  }
  expect(from: string, to: string, connected: boolean): this {
    this.expected.set(`${from} ${to}`, connected);
    return this;
  }
}
const r = () => new Reachability();
const X = { ns: "x" };
const Y = { ns: "y" };
const Z = { ns: "z" };
const XA = { ns: "x", pod: "a" };

/** case → one entry per step: [port and protocol upstream probes, what it expects]. */
const UPSTREAM: Record<string, Array<Array<[string, Reachability]>>> = {
  "should-support-a-default-deny-ingress-policy": [[["TCP/80", r().peer({}, X, false)]]],
  "should-support-a-default-deny-all-policy": [[["TCP/80", r().peer({}, X, false).peer(X, {}, false)]]],
  "should-enforce-policy-to-allow-traffic-from-pods-within-server-namespace-based-on-podselector": [[["TCP/80", r().allIngress("x/a", false).expect("x/b", "x/a", true)]]],
  "should-enforce-policy-to-allow-ingress-traffic-for-a-target": [[["TCP/80", r().allIngress("x/a", true).allIngress("x/b", false).allIngress("x/c", false)]]],
  "should-enforce-policy-to-allow-ingress-traffic-from-pods-in-all-namespaces": [[["TCP/80", r()]]],
  "should-enforce-policy-to-allow-traffic-only-from-a-different-namespace-based-on-namespaceselector": [[["TCP/80", r().peer(X, XA, false).peer(Z, XA, false)]]],
  "should-enforce-policy-based-on-podselector-with-matchexpressions": [[["TCP/80", r().allIngress("x/a", false).expect("x/b", "x/a", true)]]],
  "should-enforce-policy-based-on-namespaceselector-with-matchexpressions": [[["TCP/80", r().peer(X, XA, false).peer(Z, XA, false)]]],
  "should-enforce-policy-based-on-podselector-or-namespaceselector": [[["TCP/80", r().expect("x/a", "x/a", false).expect("x/c", "x/a", false)]]],
  "should-enforce-policy-based-on-podselector-and-namespaceselector": [[["TCP/80", r().allIngress("x/a", false).expect("y/b", "x/a", true).expect("z/b", "x/a", true)]]],
  "should-enforce-policy-based-on-multiple-podselectors-and-namespaceselectors": [[["TCP/80", r().peer(X, XA, false).expect("y/a", "x/a", false).expect("z/a", "x/a", false)]]],
  "should-enforce-policy-based-on-any-podselectors": [[["TCP/80", r().allIngress("x/a", false).expect("x/b", "x/a", true).expect("x/c", "x/a", true)]]],
  "should-enforce-policy-to-allow-traffic-only-from-a-pod-in-a-different-namespace-based-on-podselector-and-namespaceselector": [[["TCP/80", r().allIngress("x/a", false).expect("y/a", "x/a", true)]]],
  "should-enforce-policy-based-on-ports": [[["TCP/81", r().peer(X, XA, false).peer(Y, XA, true).peer(Z, XA, false)]]],
  "should-enforce-multiple-stacked-policies-with-overlapping-podselectors": [
    [["TCP/81", r().peer(X, XA, false).peer(Y, XA, true).peer(Z, XA, false)], ["TCP/80", r().allIngress("x/a", false)]],
    [["TCP/80", r().peer(X, XA, false).peer(Y, XA, true).peer(Z, XA, false)]],
  ],
  "should-support-allow-all-policy": [[["TCP/80", r()], ["TCP/81", r()]]],
  "should-allow-ingress-access-on-one-named-port": [[["TCP/81", r()], ["TCP/80", r().peer({}, X, false)]]],
  "should-allow-ingress-access-from-namespace-on-one-named-port": [[["TCP/80", r().peer(X, XA, false).peer(Z, XA, false)], ["TCP/81", r().allIngress("x/a", false)]]],
  "should-allow-egress-access-on-one-named-port": [[["TCP/80", r()], ["TCP/81", r().peer(X, {}, false)]]],
  "should-enforce-updated-policy": [[["TCP/81", r()]], [["TCP/81", r().peer({}, X, false)]]],
  "should-allow-ingress-access-from-updated-namespace": [[["TCP/80", r().allIngress("x/a", false)]], [["TCP/80", r().allIngress("x/a", false).peer(Y, {}, true)]]],
  "should-allow-ingress-access-from-updated-pod": [[["TCP/80", r().allIngress("x/a", false)]], [["TCP/80", r().allIngress("x/a", false).expect("x/b", "x/a", true)]]],
  "should-deny-ingress-from-pods-on-other-namespaces": [[["TCP/80", r().peer(Y, X, false).peer(Z, X, false)]]],
  "should-deny-ingress-access-to-updated-pod": [[["TCP/80", r()]], [["TCP/80", r().allIngress("x/a", false)]]],
  "should-deny-egress-from-pods-based-on-podselector": [[["TCP/80", r().allEgress("x/a", false)]]],
  "should-deny-egress-from-all-pods-in-a-namespace": [[["TCP/80", r().peer(X, {}, false)]]],
  "should-work-with-ingress-egress-specified-together": [
    [
      ["TCP/80", r().allIngress("x/a", false).expect("x/b", "x/a", true)],
      ["TCP/81", r().allIngress("x/a", false).allEgress("x/a", false).expect("x/b", "x/a", true)],
    ],
  ],
  "should-support-denying-of-egress-traffic-on-the-client-side-even-if-the-server-explicitly-allows-this-traffic": [
    [["TCP/80", r().peer(XA, {}, false).peer({}, { ns: "y", pod: "a" }, false).peer(XA, { ns: "y", pod: "a" }, true).peer({}, { ns: "y", pod: "b" }, false)]],
  ],
  "should-enforce-egress-policy-allowing-traffic-to-a-server-in-a-different-namespace-based-on-podselector-and-namespaceselector": [[["TCP/80", r().allEgress("x/a", false).expect("x/a", "y/a", true)]]],
  "should-enforce-ingress-policy-allowing-any-port-traffic-to-a-server-on-a-specific-protocol": [[["TCP/80", r()], ["UDP/80", r().peer({}, XA, false)]]],
  "should-enforce-multiple-ingress-policies-with-ingress-allow-all-policy-taking-precedence": [[["TCP/81", r().peer({}, X, false)]], [["TCP/81", r()]]],
  "should-enforce-multiple-egress-policies-with-egress-allow-all-policy-taking-precedence": [[["TCP/81", r().peer(X, {}, false)]], [["TCP/81", r()]]],
  "should-stop-enforcing-policies-after-they-are-deleted": [[["TCP/80", r().peer(X, {}, false).peer({}, X, false)]], [["TCP/80", r()]]],
  "should-enforce-policies-to-check-ingress-and-egress-policies-can-be-controlled-independently-based-on-podselector": [[["TCP/80", r()]], [["TCP/80", r().allIngress("x/a", false)]]],
  "should-not-mistakenly-treat-protocol-sctp-as-protocol-tcp-even-if-the-plugin-doesn-t-support-sctp": [[["TCP/81", r().peer({}, X, false)]]],
  "should-properly-isolate-pods-that-are-selected-by-a-policy-allowing-sctp-even-if-the-plugin-doesn-t-support-sctp": [[["TCP/81", r().allIngress("x/a", false)]]],
  "should-not-allow-access-by-tcp-when-a-policy-specifies-only-udp": [[["TCP/81", r().allIngress("x/a", false)]]],
  "should-enforce-policy-to-allow-traffic-based-on-namespaceselector-with-matchlabels-using-default-ns-label": [[["TCP/80", r().peer(X, XA, false).peer(Z, XA, false)]]],
  "should-enforce-policy-based-on-namespaceselector-with-matchexpressions-using-default-ns-label": [[["TCP/80", r().peer(XA, Y, false)]]],
  "udp-should-support-a-default-deny-ingress-policy": [[["UDP/80", r().peer({}, X, false)]]],
  "udp-should-enforce-policy-based-on-ports": [[["UDP/81", r().peer(X, XA, false).peer(Z, XA, false)]]],
  "udp-should-enforce-policy-to-allow-traffic-only-from-a-pod-in-a-different-namespace-based-on-podselector-and-namespaceselector": [[["UDP/80", r().allIngress("x/a", false).expect("y/a", "x/a", true)]]],
  // Variants: upstream's checks in other shapes, expected by the same rule (egress AND ingress).
  "should-support-denying-of-egress-traffic-on-the-client-side-even-if-the-server-explicitly-allows-this-traffic-within-one-namespace": [
    [["TCP/80", r().allEgress("x/a", false).expect("x/a", "x/c", true).allIngress("x/b", false)]],
  ],
  "should-enforce-policies-to-check-ingress-and-egress-policies-can-be-controlled-independently-based-on-podselector-both-isolated": [[["TCP/80", r().allIngress("x/b", false).expect("x/c", "x/b", true)]]],
  "should-work-with-ingress-egress-specified-together-ports-within-one-namespace": [
    [
      ["TCP/80", r().peer({}, X, false).peer(X, {}, false)],
      ["TCP/81", r().peer({}, X, false).peer(X, {}, false)],
    ],
  ],
};

describe("conformance: the fixtures reproduce upstream's expected truth tables", () => {
  const names = new RunNames("ab12cd34");

  it("covers every fixture", () => {
    assert.equal(Object.keys(UPSTREAM).length, 45);
  });

  for (const [name, steps] of Object.entries(UPSTREAM)) {
    it(name, () => {
      const c = fixtureCase(name);
      assert.equal(c.steps.length, steps.length, "one expectation list per step");
      steps.forEach((checks, i) => {
        const predicted = predictStep(readBackOf(c, i + 1, names), names);
        for (const [port, reachability] of checks) {
          const cells = predicted.cells.filter((x) => `${x.protocol}/${x.port}` === port);
          assert.equal(cells.length, 72, `${port} has a cell per ordered pair`);
          const wrong = cells.filter((x) => x.predicted.allowed !== reachability.expected.get(`${x.from} ${x.to}`)).map((x) => `${x.from} -> ${x.to}`);
          assert.deepEqual(wrong, [], `step ${i + 1} ${port}: the engine differs from upstream's expectation`);
        }
      });
    });
  }
});
