/**
 * The Groundwork app, as the design's stack table reads: `bootstrap` (the
 * state store), then for each environment in config/ its environment stack
 * and its `<env>-vault` configuration stack. Nothing else: what differs
 * between environments is data in config/<env>.ts.
 */
import { App } from "cdktf";

// Config is validated as it loads (the stacks import it too); a bad value
// stops synth with its one-line message instead of a stack trace.
const loaded = await Promise.all([
  import("./config"),
  import("./config/services"),
  import("./stacks/bootstrap-stack"),
  import("./stacks/environment-stack"),
  import("./stacks/vault-config-stack"),
]).catch((e: Error) => {
  if (e.name !== "ConfigError") throw e;
  console.error(`groundwork: ${e.message}`);
  process.exitCode = 1;
  return undefined;
});

if (loaded) {
  const [{ environments, stateStore }, { services }, { BootstrapStack }, { EnvironmentStack }, { VaultConfigStack }] = loaded;
  const app = new App();
  new BootstrapStack(app, "bootstrap", { state: stateStore, environments });
  for (const config of environments) {
    new EnvironmentStack(app, config.name, { config, state: stateStore, services });
    new VaultConfigStack(app, `${config.name}-vault`, { config, state: stateStore, services });
  }
  app.synth();
}
