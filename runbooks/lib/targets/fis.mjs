/**
 * AWS Fault Injection Service and CloudWatch alarms, for `runbooks/chaos.mjs`.
 *
 * The FIS and CloudWatch SDK clients are created here and nowhere else
 * (`loadChaosSdk`). They are imported lazily, so every other runbook (and the
 * docs site, which imports every runbook) works without the two packages:
 *   @aws-sdk/client-fis, @aws-sdk/client-cloudwatch
 * Tests inject a `ChaosSdk` whose clients record the commands they are sent.
 */

/**
 * @typedef {{send: (command: any) => Promise<any>}} SdkClient
 * @typedef {new (input: any) => any} CommandClass
 * @typedef {{
 *   fis: SdkClient,
 *   cloudwatch: SdkClient,
 *   commands: {
 *     GetExperimentTemplateCommand: CommandClass, StartExperimentCommand: CommandClass,
 *     GetExperimentCommand: CommandClass, StopExperimentCommand: CommandClass,
 *     DescribeAlarmsCommand: CommandClass,
 *   },
 * }} ChaosSdk
 * @typedef {{name: string, state: string, reason: string}} AlarmState
 */

/** The SDK packages chaos.mjs needs (not dependencies of the workspace until installed). */
export const CHAOS_SDK_PACKAGES = ["@aws-sdk/client-fis", "@aws-sdk/client-cloudwatch"];

/**
 * Create the FIS and CloudWatch clients for a region: the one place they are made.
 * @param {string} region
 * @returns {Promise<ChaosSdk>}
 */
export async function loadChaosSdk(region) {
  // Specifiers in variables: the packages are optional, so neither tsc nor a bundler may require them.
  const [fisName, cwName] = CHAOS_SDK_PACKAGES;
  let fis, cw;
  try {
    [fis, cw] = await Promise.all([import(fisName), import(cwName)]);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new Error(`chaos on AWS needs ${CHAOS_SDK_PACKAGES.join(" and ")}: they are not installed (npm install them at the version of @aws-sdk/client-rds)`);
  }
  return {
    fis: new fis.FisClient({ region }),
    cloudwatch: new cw.CloudWatchClient({ region }),
    commands: {
      GetExperimentTemplateCommand: fis.GetExperimentTemplateCommand,
      StartExperimentCommand: fis.StartExperimentCommand,
      GetExperimentCommand: fis.GetExperimentCommand,
      StopExperimentCommand: fis.StopExperimentCommand,
      DescribeAlarmsCommand: cw.DescribeAlarmsCommand,
    },
  };
}

/** Experiment states FIS reports when it has finished. */
export const FIS_FINAL_STATES = ["completed", "stopped", "failed", "cancelled"];

export class FaultInjectionApi {
  /**
   * @param {import("./aws.mjs").AwsTarget} t
   * @param {ChaosSdk} [sdk] injected in tests; otherwise loaded on first use
   */
  constructor(t, sdk) {
    this.t = t;
    /** @type {ChaosSdk | undefined} */
    this.sdk = sdk;
  }

  async client() {
    this.sdk ??= await loadChaosSdk(this.t.config.account.region);
    return this.sdk;
  }

  /**
   * @param {"fis" | "cloudwatch"} service
   * @param {keyof ChaosSdk["commands"]} command
   * @param {Record<string, unknown>} input
   */
  async send(service, command, input) {
    const sdk = await this.client();
    this.t.journal.write("aws", { service, command, input });
    return sdk[service].send(new sdk.commands[command](input));
  }

  /**
   * Template ids by experiment name from the environment stack's output
   * `fis_experiment_templates` (`terraform output -json` in the synthesized
   * stack directory, after `cdktf synth` and `terraform init`).
   * @param {string} stackDir e.g. cdktf.out/stacks/staging
   * @returns {Promise<Record<string, string>>}
   */
  async templateIdsFromStack(stackDir) {
    const r = await this.t.exec(["terraform", `-chdir=${stackDir}`, "output", "-json", "fis_experiment_templates"], { mutates: false });
    const text = r?.stdout ?? "{}";
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`terraform output fis_experiment_templates in ${stackDir} is not JSON: pass --template-id`);
    }
  }

  /**
   * The template's stop conditions: CloudWatch alarm names.
   * @param {string} templateId
   */
  async template(templateId) {
    const out = await this.send("fis", "GetExperimentTemplateCommand", { id: templateId });
    const tpl = out.experimentTemplate ?? {};
    /** @type {Array<{source?: string, value?: string}>} */
    const stops = tpl.stopConditions ?? [];
    const alarms = stops.filter((s) => s.source === "aws:cloudwatch:alarm" && s.value).map((s) => alarmName(String(s.value)));
    return { templateId, description: String(tpl.description ?? ""), stopAlarms: alarms };
  }

  /**
   * CloudWatch alarm states.
   * @param {string[]} names
   * @returns {Promise<AlarmState[]>}
   */
  async alarms(names) {
    if (!names.length) return [];
    const out = await this.send("cloudwatch", "DescribeAlarmsCommand", { AlarmNames: names });
    /** @type {Array<{AlarmName?: string, StateValue?: string, StateReason?: string}>} */
    const found = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])];
    return names.map((name) => {
      const a = found.find((x) => x.AlarmName === name);
      return { name, state: a ? String(a.StateValue) : "MISSING", reason: String(a?.StateReason ?? "") };
    });
  }

  /**
   * @param {string} templateId
   * @param {string} runId idempotency token and tag: a resumed run does not start a second experiment
   */
  async start(templateId, runId) {
    const out = await this.send("fis", "StartExperimentCommand", { experimentTemplateId: templateId, clientToken: runId, tags: { "groundwork:run": runId } });
    const id = out.experiment?.id;
    if (!id) throw new Error(`FIS StartExperiment on ${templateId} returned no experiment id`);
    return String(id);
  }

  /** @param {string} id */
  async get(id) {
    const out = await this.send("fis", "GetExperimentCommand", { id });
    const e = out.experiment ?? {};
    return { status: String(e.state?.status ?? "unknown"), reason: String(e.state?.reason ?? "") };
  }

  /** @param {string} id */
  async stop(id) {
    await this.send("fis", "StopExperimentCommand", { id });
  }
}

/**
 * `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:name` -> `name`.
 * @param {string} arnOrName
 */
export function alarmName(arnOrName) {
  const m = /^arn:[^:]+:cloudwatch:[^:]*:\d*:alarm:(.+)$/.exec(arnOrName);
  return m ? m[1] : arnOrName;
}
