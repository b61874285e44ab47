import type { LabelSelector, Labels } from "./types";

/**
 * Kubernetes label-selector semantics (metav1.LabelSelector): every
 * matchLabels pair and every matchExpressions requirement must hold. An empty
 * selector matches everything. NotIn and DoesNotExist hold when the key is absent.
 */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  const ml = selector.matchLabels;
  if (ml) {
    for (const key in ml) {
      if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== ml[key]) return false;
    }
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case "In":
        if (!present || !(req.values ?? []).includes(labels[req.key])) return false;
        break;
      case "NotIn":
        if (present && (req.values ?? []).includes(labels[req.key])) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        // Validation rejects other operators; refusing to match is the safe reading.
        return false;
    }
  }
  return true;
}

/** True for `{}` (and a selector with empty lists), which selects everything. */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  if (!selector) return false;
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** A canonical, order-independent key for a label set. */
export function labelsKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let key = "";
  for (let i = 0; i < keys.length; i++) key += `${i === 0 ? "" : "\u0001"}${keys[i]}=${labels[keys[i]]}`;
  return key;
}

/** Human rendering, e.g. `{app=web, tier In (a,b)}`. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values && req.values.length > 0 ? ` (${req.values.join(",")})` : "";
    parts.push(`${req.key} ${req.operator}${values}`);
  }
  return `{${parts.join(", ")}}`;
}
