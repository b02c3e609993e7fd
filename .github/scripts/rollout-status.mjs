/**
 * What one catalog service's Argo Rollout says about the commit just
 * deployed, for promote.sh (promote after pre-promotion analysis) and
 * smoke.sh (Healthy on that commit, nothing less). Reads the Rollout as JSON
 * (`kubectl get rollout -o json`) on stdin and prints `<state> <reason>`:
 *
 *   healthy     the deployed commit's pods are the active, stable version
 *   promotable  blue-green pause with the new pods up and pre-promotion analysis Successful
 *   paused      blue-green pause, pre-promotion analysis not (yet) Successful
 *   waiting     the controller is still working (new pods, analysis, post-promotion)
 *   failed      wrong image, aborted, Degraded, or an analysis that did not succeed
 *
 *   node .github/scripts/rollout-status.mjs <commit> < rollout.json
 *
 * Field names: argo-rollouts pkg/apis/rollouts/v1alpha1/types.go (RolloutStatus, BlueGreenStatus).
 */
import { readFileSync } from "node:fs";

/** @typedef {"healthy" | "promotable" | "paused" | "waiting" | "failed"} State */
/** @typedef {{ name?: string, status?: string, message?: string }} AnalysisRunStatus */
/**
 * @typedef {{
 *   metadata?: { generation?: number | string },
 *   spec?: { template?: { spec?: { containers?: { image?: string }[] } } },
 *   status?: {
 *     observedGeneration?: number | string, phase?: string, message?: string, abort?: boolean,
 *     currentPodHash?: string, stableRS?: string, pauseConditions?: { reason?: string }[],
 *     blueGreen?: { activeSelector?: string, previewSelector?: string,
 *       prePromotionAnalysisRunStatus?: AnalysisRunStatus, postPromotionAnalysisRunStatus?: AnalysisRunStatus },
 *   },
 * }} Rollout
 */

const UNSUCCESSFUL = ["Failed", "Error", "Inconclusive"];

/**
 * @param {Rollout} rollout
 * @param {string} commit the image tag every service was deployed with
 * @returns {{ state: State, reason: string }}
 */
export function rolloutState(rollout, commit) {
  const image = rollout.spec?.template?.spec?.containers?.[0]?.image ?? "";
  if (!image.endsWith(`:${commit}`)) return { state: "failed", reason: `the Rollout runs ${image || "no image"}; expected the tag ${commit}` };
  const st = rollout.status ?? {};
  if (String(st.observedGeneration ?? "") !== String(rollout.metadata?.generation ?? "")) {
    return { state: "waiting", reason: "the controller has not observed the deployed spec yet" };
  }
  if (st.abort === true) return { state: "failed", reason: `aborted${st.message ? `: ${st.message}` : ""}` };
  if (st.phase === "Degraded") return { state: "failed", reason: `Degraded${st.message ? `: ${st.message}` : ""}` };
  for (const [kind, run] of /** @type {const} */ ([["pre", st.blueGreen?.prePromotionAnalysisRunStatus], ["post", st.blueGreen?.postPromotionAnalysisRunStatus]])) {
    if (run?.status && UNSUCCESSFUL.includes(run.status)) return { state: "failed", reason: `${kind}-promotion analysis${run.name ? ` ${run.name}` : ""} is ${run.status}` };
  }
  const newPods = st.currentPodHash;
  if (st.phase === "Healthy" && newPods && newPods === st.stableRS && st.blueGreen?.activeSelector === newPods) {
    return { state: "healthy", reason: `Healthy on ${commit} (pods ${newPods})` };
  }
  if (st.phase === "Paused") {
    const pre = st.blueGreen?.prePromotionAnalysisRunStatus;
    const bluegreenPause = (st.pauseConditions ?? []).some((p) => p.reason === "BlueGreenPause");
    if (bluegreenPause && pre?.status === "Successful" && newPods && newPods !== st.stableRS) {
      return { state: "promotable", reason: `Paused, not promoted; pre-promotion analysis${pre.name ? ` ${pre.name}` : ""} Successful` };
    }
    return { state: "paused", reason: `Paused, not promoted; pre-promotion analysis ${pre?.status ?? "not started"}` };
  }
  return { state: "waiting", reason: `phase ${st.phase ?? "unknown"}${st.message ? `: ${st.message}` : ""}` };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const commit = process.argv[2] ?? "";
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    console.error(`rollout-status: commit is ${JSON.stringify(commit)}; expected a 40-hex git SHA`);
    process.exitCode = 2;
  } else {
    try {
      const { state, reason } = rolloutState(JSON.parse(readFileSync(0, "utf8")), commit);
      console.log(`${state} ${reason}`);
    } catch (e) {
      console.log(`waiting the Rollout could not be read (${/** @type {Error} */ (e).message.split("\n")[0]})`);
    }
  }
}
