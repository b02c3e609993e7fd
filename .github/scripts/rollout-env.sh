# Sourced by promote.sh and smoke.sh: checks `<dev|staging|prod> <commit>`,
# reads the environment's facts from config and points kubectl at its cluster.
# Sets: env_name, commit, here, cluster, region, url, services.
# Usage (from the sourcing script): rollout_env <script-name> "$@"
rollout_env() {
  local name="$1"
  shift
  env_name="${1:?usage: $name.sh <dev|staging|prod> <commit>}"
  commit="${2:-}"
  if ! [[ "$commit" =~ ^[0-9a-f]{40}$ ]]; then
    echo "$name: commit is \"$commit\"; expected the 40-hex git SHA that was deployed" >&2
    exit 2
  fi
  here="$(dirname "${BASH_SOURCE[0]}")"
  local facts
  facts=$(npx tsx "$here/env-facts.ts" env "$env_name")
  cluster=$(printf '%s\n' "$facts" | sed -n 's/^cluster=//p')
  region=$(printf '%s\n' "$facts" | sed -n 's/^region=//p')
  url=$(printf '%s\n' "$facts" | sed -n 's/^url=//p')
  services=$(npx tsx "$here/env-facts.ts" catalog | sed -n 's/^service-names=//p')
  aws eks update-kubeconfig --name "$cluster" --region "$region" --alias "groundwork-$env_name" >/dev/null
}
