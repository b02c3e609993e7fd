#!/usr/bin/env bash
# Promote every catalog service's blue-green Argo Rollout to the deployed
# commit, each only after its pre-promotion analysis has succeeded, and wait
# until each is Healthy on that commit (post-promotion analysis included).
# The Rollouts do not promote themselves (autoPromotionEnabled: false in
# charts/microservice), so without this step the new commit never takes
# traffic. Fails when a Rollout aborts, degrades, fails an analysis or does
# not settle in time; Argo keeps (or puts back) the previous version then,
# and the caller's rollback redeploys the last good commit.
# Needs AWS credentials for the environment and kubectl on PATH.
# Usage: bash .github/scripts/promote.sh <dev|staging|prod> <commit>
set -euo pipefail
# shellcheck source=rollout-env.sh
source "$(dirname "$0")/rollout-env.sh"
rollout_env promote "$@"
timeout_s="${PROMOTE_TIMEOUT_SECONDS:-1800}"
poll_s="${PROMOTE_POLL_SECONDS:-10}"

# All services at once: each is promoted as soon as its own pre-promotion
# analysis passes, so the deadline covers the slowest Rollout, not the sum of
# every Rollout's analyses (about 6 min each).
declare -A state verdicts promoted
for svc in $services; do state[$svc]=waiting; promoted[$svc]=false; done
deadline=$(( $(date +%s) + timeout_s ))
while :; do
  pending=0
  for svc in $services; do
    case "${state[$svc]}" in healthy | failed) continue ;; esac
    # One namespace and one Rollout per service, both named after it (modules/service).
    verdict=$(kubectl -n "$svc" get rollout "$svc" -o json 2>/dev/null | node "$here/rollout-status.mjs" "$commit") || true
    state[$svc]="${verdict%% *}"
    verdicts[$svc]="${verdict#* }"
    if [ "${state[$svc]}" = promotable ] && [ "${promoted[$svc]}" = false ]; then
      # What `kubectl argo rollouts promote` does for a paused blue-green
      # Rollout (argo-rollouts pkg/kubectl-argo-rollouts/cmd/promote): clear
      # the pause conditions through the status subresource.
      kubectl -n "$svc" patch rollout "$svc" --subresource=status --type=merge -p '{"status":{"pauseConditions":null}}' >/dev/null
      promoted[$svc]=true
      echo "promote: $svc promoted (${verdicts[$svc]})"
    fi
    case "${state[$svc]}" in
      healthy | failed) echo "promote: $svc ${verdicts[$svc]}" ;;
      *) pending=$((pending + 1)) ;;
    esac
  done
  [ "$pending" -gt 0 ] || break
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep "$poll_s"
done

failures=()
for svc in $services; do
  [ "${state[$svc]}" = healthy ] || failures+=("$svc: ${verdicts[$svc]:-no answer from the cluster}")
done

if [ ${#failures[@]} -gt 0 ]; then
  for f in "${failures[@]}"; do echo "::error title=promote $env_name::$f"; done
  exit 1
fi
echo "promote: every service of $env_name is Healthy on $commit"
