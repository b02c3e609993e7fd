/**
 * The Groundwork app: `bootstrap` (the state store), then one stack per
 * environment in config/. Nothing else: what differs between environments is
 * data in config/<env>.ts.
 */
import { App } from "cdktf";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { EnvironmentStack } from "./stacks/environment-stack";

// Config is validated as it loads; a bad value stops synth with its one-line message, not a stack trace.
const loaded = await Promise.all([import("./config"), import("./config/services")]).catch((e: Error) => {
  if (e.name !== "ConfigError") throw e;
  console.error(`groundwork: ${e.message}`);
  process.exitCode = 1;
  return undefined;
});

if (loaded) {
  const [{ environments, stateStore }, { services }] = loaded;
  const app = new App();
  new BootstrapStack(app, "bootstrap", { state: stateStore, environments });
  for (const config of environments) {
    new EnvironmentStack(app, config.name, { config, state: stateStore, services });
  }
  app.synth();
}
