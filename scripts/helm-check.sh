#!/usr/bin/env bash
# Lints the Helm chart, renders it with its default values and with every option on
# (deploy/helm/labdeck/ci/full-values.yaml), and validates every rendered object against the Kubernetes
# API's schemas with kubeconform (strict: unknown fields fail). Tools and schemas come from the Go module
# proxy (helm, kubeconform; the OpenAPI document inside the k8s.io/kubernetes module; the HTTPRoute and
# ServiceMonitor CRDs inside the Gateway API and Prometheus Operator modules), cached under
# ${LABDECK_TOOLS:-~/.cache/labdeck}: a warm cache needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION=v4.3.2
KUBECONFORM_VERSION=v0.8.0
K8S_VERSION=v1.37.2
GATEWAY_API_VERSION=v1.4.1
PROMETHEUS_OPERATOR_VERSION=v0.85.0

tools="${LABDECK_TOOLS:-$HOME/.cache/labdeck}"
export GOBIN="$tools/go-bin" GOMODCACHE="$tools/go-mod" GOFLAGS=-mod=mod
started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started)) s"; }

install() { # name module version
  local bin="$GOBIN/$1"
  if [ ! -x "$bin" ] || ! grep -qa "$3" "$bin"; then
    echo "building $1 $3 from the Go module proxy (minutes, once)"
    nice -n 10 go install "$2@$3"
  fi
}
install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION"
install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

module_dir() { # module version
  (cd "$tools" && go mod download -json "$1@$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})')
}
schemas="$tools/k8s-schemas/$K8S_VERSION-gw$GATEWAY_API_VERSION-po$PROMETHEUS_OPERATOR_VERSION"
if [ ! -f "$schemas/deployment_apps_v1.json" ]; then
  echo "writing Kubernetes $K8S_VERSION JSON schemas to $schemas"
  k8s=$(module_dir k8s.io/kubernetes "$K8S_VERSION")
  gw=$(module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION")
  po=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
  node scripts/k8s-json-schemas.ts "$schemas" "$k8s/api/openapi-spec/swagger.json" \
    "$gw/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml" \
    "$po/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
fi
echo "tools ready ($(elapsed))"

chart=deploy/helm/labdeck
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$GOBIN/helm" lint --strict "$chart"
"$GOBIN/helm" lint --strict "$chart" -f "$chart/ci/full-values.yaml"
"$GOBIN/helm" template labdeck "$chart" --namespace lab >"$out/default.yaml"
"$GOBIN/helm" template labdeck "$chart" --namespace lab -f "$chart/ci/full-values.yaml" >"$out/full.yaml"

# The full render must hold every kind the chart can make (a template that renders nothing would pass).
for kind in Deployment Service ConfigMap ServiceAccount Ingress HTTPRoute Role RoleBinding PodDisruptionBudget HorizontalPodAutoscaler ServiceMonitor NetworkPolicy; do
  grep -q "^kind: $kind$" "$out/full.yaml" || { echo "full render has no $kind"; exit 1; }
done
# The values schema must refuse what labdeck.yaml's schema refuses.
if "$GOBIN/helm" template labdeck "$chart" --set config.server.colour=blue >/dev/null 2>"$out/err"; then
  echo "values.schema.json accepted config.server.colour"; exit 1
fi
grep -q colour "$out/err" || { cat "$out/err"; exit 1; }
# Several replicas without an external database are refused.
if "$GOBIN/helm" template labdeck "$chart" --set replicaCount=2 >/dev/null 2>&1; then
  echo "replicaCount=2 without secrets.existingSecret rendered"; exit 1
fi

"$GOBIN/kubeconform" -strict -summary -output text \
  -schema-location "$schemas/{{ .ResourceKind }}_{{ .Group }}_{{ .ResourceAPIVersion }}.json" \
  "$out/default.yaml" "$out/full.yaml"
echo "helm check passed in $(elapsed)"
