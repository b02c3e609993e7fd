#!/usr/bin/env bash
# Post-deploy smoke check of one environment: every catalog service's Argo
# Rollout reaches Healthy (or Paused: the blue-green preview is up and waits
# for promotion) and is not Degraded, and the public entry point answers
# /healthz. Exit 1 names each failure. Needs AWS credentials for the
# environment and kubectl on PATH.
# Usage: bash .github/scripts/smoke.sh <dev|staging|prod>
set -euo pipefail
env_name="${1:?usage: smoke.sh <dev|staging|prod>}"
timeout_s="${SMOKE_TIMEOUT_SECONDS:-600}"

facts=$(npx tsx .github/scripts/env-facts.ts env "$env_name")
fact() { printf '%s\n' "$facts" | sed -n "s/^$1=//p"; }
cluster=$(fact cluster)
region=$(fact region)
url=$(fact url)
services=$(npx tsx .github/scripts/env-facts.ts catalog | sed -n 's/^service-names=//p')

aws eks update-kubeconfig --name "$cluster" --region "$region" --alias "groundwork-$env_name" >/dev/null

failures=()
deadline=$(( $(date +%s) + timeout_s ))
for svc in $services; do
  phase=""
  while :; do
    # One namespace and one Rollout per service, both named after it (modules/service).
    phase=$(kubectl -n "$svc" get rollout "$svc" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    case "$phase" in Healthy | Paused | Degraded) break ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 10
  done
  echo "smoke: $svc rollout phase ${phase:-<none>}"
  case "$phase" in
    Healthy | Paused) ;;
    *) failures+=("$svc: rollout phase is ${phase:-missing}; expected Healthy") ;;
  esac
done

if ! curl -fsS --max-time 10 --retry 6 --retry-delay 5 --retry-all-errors -o /dev/null "$url/healthz"; then
  failures+=("$url/healthz did not answer 2xx")
fi

if [ ${#failures[@]} -gt 0 ]; then
  for f in "${failures[@]}"; do echo "::error title=smoke check $env_name::$f"; done
  exit 1
fi
echo "smoke: $env_name passed"
