#!/usr/bin/env bash
# Post-deploy smoke check of one environment after promote.sh: every catalog
# service's Argo Rollout is Healthy on the deployed commit (its image tag is
# the commit, and those pods are the stable, active version), and the public
# entry point answers /healthz. A Rollout still Paused fails the check: its
# traffic is on the previous version, so the check would not be testing the
# commit (see .github/scripts/rollout-status.mjs). Exit 1 names each failure.
# Needs AWS credentials for the environment and kubectl on PATH.
# Usage: bash .github/scripts/smoke.sh <dev|staging|prod> <commit>
set -euo pipefail
# shellcheck source=rollout-env.sh
source "$(dirname "$0")/rollout-env.sh"
rollout_env smoke "$@"
timeout_s="${SMOKE_TIMEOUT_SECONDS:-600}"
poll_s="${SMOKE_POLL_SECONDS:-10}"

failures=()
deadline=$(( $(date +%s) + timeout_s ))
for svc in $services; do
  while :; do
    # One namespace and one Rollout per service, both named after it (modules/service).
    verdict=$(kubectl -n "$svc" get rollout "$svc" -o json 2>/dev/null | node "$here/rollout-status.mjs" "$commit") || true
    state="${verdict%% *}"
    case "$state" in healthy | failed | paused | promotable) break ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep "$poll_s"
  done
  echo "smoke: $svc ${verdict#* }"
  [ "$state" = healthy ] || failures+=("$svc: ${verdict#* }; expected Healthy on $commit")
done

if ! curl -fsS --max-time 10 --retry 6 --retry-delay 5 --retry-all-errors -o /dev/null "$url/healthz"; then
  failures+=("$url/healthz did not answer 2xx")
fi

if [ ${#failures[@]} -gt 0 ]; then
  for f in "${failures[@]}"; do echo "::error title=smoke check $env_name::$f"; done
  exit 1
fi
echo "smoke: $env_name passed on $commit"
