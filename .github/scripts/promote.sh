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

# The pre-promotion analysis measures the preview pods' own request metrics,
# and an empty result aborts the Rollout: nothing else sends the preview
# version requests before promotion. While a Rollout waits on that analysis,
# send its preview Service a steady trickle (5/s) through a port-forward
# (answers of any status count; the SLO queries judge them). Stopped on exit.
smoke_pids=()
stop_smoke() { for p in "${smoke_pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop_smoke EXIT
declare -A smoking
start_smoke() {
  local svc="$1" port log local_port
  port=$(kubectl -n "$svc" get service "$svc-preview" -o 'jsonpath={.spec.ports[0].port}')
  log=$(mktemp)
  kubectl -n "$svc" port-forward "service/$svc-preview" ":$port" >"$log" 2>&1 &
  smoke_pids+=($!)
  for _ in $(seq 1 50); do
    local_port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log" | head -n 1)
    [ -z "$local_port" ] || break
    sleep 0.2
  done
  if [ -z "$local_port" ]; then
    echo "promote: $svc: no port-forward to $svc-preview ($(tr '\n' ' ' <"$log")); its analysis may see no requests" >&2
    return 0
  fi
  ( while :; do curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$local_port/" || true; sleep 0.2; done ) &
  smoke_pids+=($!)
  echo "promote: $svc: smoke traffic to $svc-preview through 127.0.0.1:$local_port"
}

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
    if [ "${state[$svc]}" = paused ] && [ -z "${smoking[$svc]:-}" ]; then
      smoking[$svc]=1
      start_smoke "$svc"
    fi
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
