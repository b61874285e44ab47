import assert from "node:assert/strict";
import { ALLOW_EXTERNAL_ANNOTATION, serviceExposure } from "../../policy/rules/serviceExposure";
import { service } from "./fixtures";
import { violations } from "./harness";

describe("policy no-external-service", () => {
  it("passes ClusterIP and services without a type", async () => {
    assert.deepEqual(await violations(serviceExposure, service("ClusterIP")), []);
    const untyped = service("ClusterIP");
    delete (untyped.props.spec as Record<string, unknown>).type;
    assert.deepEqual(await violations(serviceExposure, untyped), []);
  });

  for (const type of ["LoadBalancer", "NodePort"]) {
    it(`refuses ${type}, naming the Service and the way out`, async () => {
      const found = await violations(serviceExposure, service(type));
      assert.equal(found.length, 1);
      assert.match(found[0], new RegExp(`Service apps/web has type ${type}`));
      assert.match(found[0], /Use type ClusterIP/);
      assert.ok(found[0].includes(`${ALLOW_EXTERNAL_ANNOTATION}: "true"`));
    });
  }

  it("passes a LoadBalancer that carries the allow annotation", async () => {
    assert.deepEqual(await violations(serviceExposure, service("LoadBalancer", { [ALLOW_EXTERNAL_ANNOTATION]: "true" })), []);
  });

  it("does not accept other annotation values as permission", async () => {
    assert.equal((await violations(serviceExposure, service("NodePort", { [ALLOW_EXTERNAL_ANNOTATION]: "yes" }))).length, 1);
  });

  it("ignores objects that only look like Services", async () => {
    assert.deepEqual(await violations(serviceExposure, { ...service("LoadBalancer"), type: "kubernetes:core/v1:ServicePatch" }), []);
  });
});
