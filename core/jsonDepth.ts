/** How deep parsed JSON (or YAML) nests, found without recursion: the input decides the depth. */

/** Whether `value` nests containers deeper than `limit` (a scalar is depth 0, `[]` is 1). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  // Two parallel stacks and only containers pushed: this walks every value of every input.
  const values: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === "object") {
    values.push(value);
    depths.push(1);
  }
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child !== null && typeof child === "object") {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
