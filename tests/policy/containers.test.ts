import assert from "node:assert/strict";
import { containerPrivilege } from "../../policy/rules/containerPrivilege";
import { containerResources } from "../../policy/rules/containerResources";
import { imagePinning, imageTag } from "../../policy/rules/imagePinning";
import { container, podSpec, workload } from "./fixtures";
import { violations } from "./harness";

const KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

describe("policy container-resources", () => {
  for (const kind of KINDS) {
    it(`checks ${kind}: passes full resources, refuses missing limits`, async () => {
      assert.deepEqual(await violations(containerResources, workload(kind, podSpec([container()]))), []);
      const bare = container({ resources: { requests: { cpu: "100m", memory: "64Mi" } } });
      const found = await violations(containerResources, workload(kind, podSpec([bare])));
      assert.equal(found.length, 1, found.join("\n"));
      assert.match(found[0], new RegExp(`^${kind} apps/my-${kind.toLowerCase()}: container "app" has no resources\\.limits\\.cpu, resources\\.limits\\.memory\\.`));
      assert.match(found[0], /Set resources\.requests and resources\.limits/);
    });
  }

  it("checks init containers as well", async () => {
    const found = await violations(containerResources, workload("Deployment", podSpec([container()], [container({ name: "migrate", resources: undefined })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /init container "migrate" has no resources\.requests\.cpu, resources\.requests\.memory, resources\.limits\.cpu, resources\.limits\.memory/);
  });

  it("reports each bad container once", async () => {
    const found = await violations(containerResources, workload("Deployment", podSpec([container({ name: "a", resources: {} }), container({ name: "b", resources: {} })])));
    assert.deepEqual(found.map((m) => /container "(\w)"/.exec(m)?.[1]), ["a", "b"]);
  });

  it("treats empty strings as missing", async () => {
    const blank = container({ resources: { requests: { cpu: "", memory: "64Mi" }, limits: { cpu: "1", memory: "1Gi" } } });
    const found = await violations(containerResources, workload("Pod", podSpec([blank])));
    assert.match(found[0], /no resources\.requests\.cpu\./);
  });

  it("ignores non-workload resources", async () => {
    assert.deepEqual(await violations(containerResources, { type: "kubernetes:core/v1:ConfigMap", props: { data: {} } }), []);
  });
});

describe("policy container-no-privilege", () => {
  it("passes containers that set allowPrivilegeEscalation: false", async () => {
    assert.deepEqual(await violations(containerPrivilege, workload("Deployment", podSpec([container()], [container({ name: "init" })]))), []);
  });

  it("refuses a container that leaves allowPrivilegeEscalation unset", async () => {
    const found = await violations(containerPrivilege, workload("StatefulSet", podSpec([container({ securityContext: undefined })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /does not set securityContext\.allowPrivilegeEscalation: false.*Set it to false/);
  });

  it("refuses allowPrivilegeEscalation: true in an init container", async () => {
    const found = await violations(containerPrivilege, workload("Job", podSpec([container()], [container({ name: "setup", securityContext: { allowPrivilegeEscalation: true } })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /init container "setup"/);
  });

  it("refuses privileged containers", async () => {
    const found = await violations(containerPrivilege, workload("DaemonSet", podSpec([container({ securityContext: { privileged: true, allowPrivilegeEscalation: false } })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /is privileged.*Remove securityContext\.privileged/);
  });

  it("refuses the SYS_ADMIN capability", async () => {
    const found = await violations(containerPrivilege, workload("CronJob", podSpec([container({ securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["SYS_ADMIN"] } } })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /adds the SYS_ADMIN capability/);
  });
});

describe("policy image-pinned (advisory)", () => {
  it("is advisory", () => {
    assert.equal(imagePinning.enforcementLevel, "advisory");
  });

  it("reads tags and digests, including registries with ports", () => {
    assert.deepEqual(imageTag("rahulrai/prices-api:latest"), { tag: "latest", digest: false });
    assert.deepEqual(imageTag("registry:5000/team/app"), { tag: undefined, digest: false });
    assert.deepEqual(imageTag("registry:5000/team/app:1.0"), { tag: "1.0", digest: false });
    assert.deepEqual(imageTag(`app@sha256:${"a".repeat(64)}`), { tag: undefined, digest: true });
  });

  it("passes version tags and digests", async () => {
    assert.deepEqual(await violations(imagePinning, workload("Deployment", podSpec([container({ image: "app:1.2.3" })]))), []);
    assert.deepEqual(await violations(imagePinning, workload("Deployment", podSpec([container({ image: `app:latest@sha256:${"b".repeat(64)}` })]))), []);
  });

  it("flags latest and suggests a digest of the same repository", async () => {
    const found = await violations(imagePinning, workload("Deployment", podSpec([container({ name: "prices-api", image: "rahulrai/prices-api:latest" })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /container "prices-api" uses the moving tag latest/);
    assert.ok(found[0].includes("Pin a digest: rahulrai/prices-api@sha256:<digest>"), found[0]);
  });

  it("flags untagged images, even behind a registry port", async () => {
    const found = await violations(imagePinning, workload("Pod", podSpec([container({ image: "registry:5000/team/app" })])));
    assert.equal(found.length, 1);
    assert.match(found[0], /uses an untagged image \(registry:5000\/team\/app\)/);
  });
});
