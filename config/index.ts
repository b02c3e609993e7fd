/** All environments, validated once at load. `main.ts` iterates over these. */
import { dev } from "./dev";
import { prod } from "./prod";
import { loadEnvironment, parseConfig, stateStoreSchema, type EnvironmentConfig, type StateStoreConfig } from "./schema";
import { staging } from "./staging";
import { state } from "./state";

export * from "./schema";

export const environments: readonly EnvironmentConfig[] = [dev, staging, prod].map((e) => loadEnvironment(e));
export const stateStore: StateStoreConfig = parseConfig(stateStoreSchema, "config/state", state);
export * from "./naming";
