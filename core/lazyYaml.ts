/**
 * The `yaml` package, loaded on first use: loading it was most of the start-up of a command that
 * reads only JSON (or nothing at all).
 */
import type * as Yaml from "yaml";

export function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load is the point
  return require("yaml") as typeof Yaml;
}
