import { strict as assert } from "node:assert";
import { validateConfig } from "../../core/config";
import { stackObjects } from "../../core/stack";
import type { KubeObject } from "../../core/netpol/types";
import { readStackConfig } from "../../core/stackConfigFile";

/** Validates against the Kubernetes OpenAPI schema as packaged by kubernetes-models (ESM only, hence import()). */
async function validateAgainstSchema(object: KubeObject): Promise<void> {
  const models = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[object.kind];
  assert.ok(Model, `kubernetes-models has a model for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

describe("every Kubernetes object the stack creates matches the Kubernetes OpenAPI schema", () => {
  const configs = {
    dev: readStackConfig("dev"),
    local: readStackConfig("local"),
    "two callers and a pinned image": validateConfig(
      {
        "azure-native:location": "westeurope",
        pricesApiImage: "registry.example.com/team/prices-api@sha256:" + "a".repeat(64),
        allowedCallers: [
          { namespace: "critical-project", namespaceLabels: { project: "critical-project" }, podLabels: { app: "prices-api-consumer" } },
          { namespace: "billing", podLabels: { app: "invoicer", tier: "backend" } },
        ],
      },
      "qa",
    ),
  };
  for (const [name, config] of Object.entries(configs)) {
    for (const object of stackObjects(config)) {
      it(`${name}: ${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}`, async () => {
        await validateAgainstSchema(object);
      });
    }
  }

  it("the validator does reject a malformed object (so the checks above can fail)", async () => {
    const [, deployment] = stackObjects(configs.dev);
    const broken = structuredClone(deployment) as any;
    broken.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    await assert.rejects(validateAgainstSchema(broken), /containerPort must be integer/);
  });
});
