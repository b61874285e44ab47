/**
 * Config keys outside this project's own, and the top-level settings of a stack file: which ones
 * Pulumi, or a provider this stack uses, reads, and the closest one for a key nobody reads. The
 * Pulumi CLI accepts `prices-api:networkPolicy: none` (a wrong project prefix), `azure-native:locaton`
 * and a top-level `confg:` without a word, and the stack then runs on its defaults. Pure.
 */

/** The project's name in Pulumi.yaml: the namespace of this stack's own keys (a test keeps the two in step). */
export const PROJECT_NAME = "prices-api-netpol";

/** Edit distance, for "did you mean" (keys are short, so the quadratic table is fine). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate closest to a misspelt word: the same ignoring case, else within `maxEdits` edits. */
export function closestWord(word: string, candidates: readonly string[], maxEdits = 3): string | undefined {
  const same = candidates.find((c) => c.toLowerCase() === word.toLowerCase());
  if (same !== undefined) return same;
  const ranked = candidates.map((c) => [c, editDistance(word.toLowerCase(), c.toLowerCase())] as const).sort((a, b) => a[1] - b[1]);
  return ranked.length > 0 && ranked[0][1] <= maxEdits ? ranked[0][0] : undefined;
}

/**
 * The provider settings of @pulumi/azure-native 3.28.0 (its config/vars.d.ts; a test keeps the two
 * in step): any other `azure-native:` key is read by nobody.
 */
export const AZURE_NATIVE_CONFIG_KEYS = [
  "auxiliaryTenantIds",
  "clientCertificatePassword",
  "clientCertificatePath",
  "clientId",
  "clientSecret",
  "disableInstanceDiscovery",
  "disablePulumiPartnerId",
  "environment",
  "location",
  "metadataHost",
  "msiEndpoint",
  "oidcRequestToken",
  "oidcRequestUrl",
  "oidcToken",
  "oidcTokenFilePath",
  "partnerId",
  "subscriptionId",
  "tenantId",
  "useDefaultAzureCredential",
  "useMsi",
  "useOidc",
] as const;

/** Namespaces read by someone other than this project: their keys are checked where the list is known. */
const OTHER_NAMESPACES: Readonly<Record<string, readonly string[] | undefined>> = {
  "azure-native": AZURE_NATIVE_CONFIG_KEYS,
  // The Kubernetes provider's settings (kubernetes:context, ...) and Pulumi's own (pulumi:tags): not checked.
  kubernetes: undefined,
  pulumi: undefined,
};

/**
 * The problem with a `namespace:key` config key that is not this project's, or undefined when
 * Pulumi or a provider of this stack reads it. The value is not shown: it may be a decrypted secret.
 */
export function namespacedKeyProblem(key: string, project: string, projectKeys: readonly string[]): string | undefined {
  const colon = key.indexOf(":");
  const namespace = key.slice(0, colon);
  const name = key.slice(colon + 1);
  if (namespace === project) return undefined;
  if (Object.hasOwn(OTHER_NAMESPACES, namespace)) {
    const known = OTHER_NAMESPACES[namespace];
    if (known === undefined || known.includes(name)) return undefined;
    const guess = closestWord(name, known);
    return `${key}: ${namespace} has no setting ${name}${guess ? `; did you mean ${namespace}:${guess}?` : ""} (its settings are ${known.join(", ")})`;
  }
  const guess = closestWord(name, projectKeys);
  const namespaces = [project, ...Object.keys(OTHER_NAMESPACES)].join(", ");
  return `${key}: ${namespace} is neither this project (${project}) nor a provider it uses, so nothing reads it${guess ? `; did you mean ${project}:${guess}?` : ""} (the namespaces are ${namespaces})`;
}

/** The top-level settings of a Pulumi.<stack>.yaml (Pulumi's ProjectStack). */
export const STACK_FILE_SETTINGS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"] as const;

/** Problems with the top-level keys of a parsed stack file: Pulumi ignores a key it does not know. */
export function stackFileProblems(doc: Record<string, unknown>, file: string): string[] {
  return Object.keys(doc)
    .filter((k) => !(STACK_FILE_SETTINGS as readonly string[]).includes(k))
    .map((k) => {
      const guess = closestWord(k, STACK_FILE_SETTINGS);
      return `${file}: top-level ${k}: is no stack setting, so Pulumi ignores it${guess ? `; did you mean ${guess}:?` : ""} (the settings are ${STACK_FILE_SETTINGS.join(", ")})`;
    });
}
