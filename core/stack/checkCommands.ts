/** The tutorial's manual allow/deny check, as commands that are right for this stack's config. */
import type { AllowedCaller } from "../config";
import { PRICES_API_URL } from "./names";

/** A pinned, maintained curl image (the tutorial's radial/busyboxplus:curl is unmaintained). */
export const CURL_IMAGE = "curlimages/curl:8.11.1";

const curl = `--command -- curl -sS --max-time 5 ${PRICES_API_URL}`;

export function curlCheckCommands(caller: AllowedCaller): { allow: string; deny: string } {
  const labels = Object.entries(caller.podLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return {
    allow: `kubectl run curl-po-allow --rm -i --restart=Never --image=${CURL_IMAGE} -n ${caller.namespace} --labels="${labels}" ${curl}`,
    deny: `kubectl run curl-po-deny --rm -i --restart=Never --image=${CURL_IMAGE} -n default ${curl}`,
  };
}
