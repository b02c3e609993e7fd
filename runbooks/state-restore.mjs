#!/usr/bin/env zx
// List the versions of an environment's Terraform state object and make an earlier one current again.
import { runbook, step } from "./lib/runbook.mjs";
import { aws } from "./lib/targets/index.mjs";

export default runbook({
  id: "state-restore",
  title: "Restore a previous version of an environment's Terraform state",
  summary:
    "Lists the versions of <env>/terraform.tfstate in the versioned state bucket; with --version-id, refuses while " +
    "Terraform holds the lock and copies that version over the key (S3 CopyObject), which keeps every version.",
  environments: ["dev", "staging", "prod"],
  environmentsWhy: "the versioned state bucket is in AWS; the sandbox has no Terraform state",
  params: {
    versionId: { type: "string", pattern: /^[A-Za-z0-9._-]{1,1024}$/, patternHelp: "an S3 version id from the list", help: "the version to make current (omit to only list)" },
  },
  steps: [
    step("list the state versions", {
      check: async (t, ctx) => {
        const state = aws(t).state;
        const versions = await state.versions();
        for (const v of versions) ctx.log(`${v.versionId}  ${v.lastModified}  ${v.size} bytes${v.latest ? "  (current)" : ""}`);
        const wanted = ctx.params.versionId;
        if (wanted !== undefined && !versions.some((v) => v.versionId === wanted)) throw new Error(`--version-id ${wanted} is not a version of ${state.key}`);
        return { versions: versions.length };
      },
    }),
    step("Terraform does not hold the lock", {
      when: (params) => params.versionId !== undefined,
      check: async (t) => {
        if (await aws(t).state.locked()) throw new Error("the state is locked (a plan or apply is running): wait for it, never force");
        return true;
      },
    }),
    step("make the version current", {
      destructive: true,
      when: (params) => params.versionId !== undefined,
      run: async (t, ctx) => aws(t).state.restoreVersion(String(ctx.params.versionId)),
    }),
  ],
});
