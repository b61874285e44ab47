/** The tutorial's manual allow/deny check, as commands that are right for this stack's config. */
import { PRICES_API_URL } from "./names";

/** A pinned, maintained curl image (the tutorial's radial/busyboxplus:curl is unmaintained). */
// The tag says which release; the digest (of its multi-arch index) makes a re-pushed tag harmless.
export const CURL_IMAGE_TAG = "8.11.1";
export const CURL_IMAGE_DIGEST = "sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69";
export const CURL_IMAGE = `curlimages/curl:${CURL_IMAGE_TAG}@${CURL_IMAGE_DIGEST}`;

const curl = `--command -- curl -sS --max-time 5 ${PRICES_API_URL}`;

/** A caller as config describes it (the type lives in ../config, which imports this file). */
interface Caller {
  namespace: string;
  podLabels: Record<string, string>;
}

/** @param image the stack's `probeImage` */
export function curlCheckCommands(caller: Caller, image: string): { allow: string; deny: string } {
  const labels = Object.entries(caller.podLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return {
    allow: `kubectl run curl-po-allow --rm -i --restart=Never --image=${image} -n ${caller.namespace} --labels="${labels}" ${curl}`,
    deny: `kubectl run curl-po-deny --rm -i --restart=Never --image=${image} -n default ${curl}`,
  };
}
