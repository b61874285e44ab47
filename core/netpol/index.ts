/** The NetworkPolicy engine: pure model, loading/validation, evaluation, matrix and lint. */
export * from "./types";
export * from "./ip";
export * from "./selectors";
export * from "./ports";
export * from "./ipblock";
export * from "./policy";
export * from "./namespaces";
export * from "./classes";
export * from "./compiled";
export * from "./verdict";
export * from "./engine";
export * from "./matrix";
export * from "./errors";
export * from "./validate";
export * from "./load";
export * from "./lint";
export * from "./live";
