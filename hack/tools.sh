#!/usr/bin/env bash
# Builds (or reuses) the pinned test-bed tools from the Go module proxy into
# $HOME/.cache/pulumi-seldon-autoscaling, keyed by version, each from its own wrapper module so
# none of their dependencies leak into the project's go.mod.
#
#   hack/tools.sh [pulumi|kubernetes-plugin|pulumi-yaml|kube|prometheus-adapter|golangci-lint|gremlins|etcd|prometheus|all]
#   hack/tools.sh bindir      # prints the directory holding the binaries
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${SELDON_AUTOSCALING_CACHE:-$HOME/.cache/pulumi-seldon-autoscaling}
bin="$cache/bin"
src="$cache/src"
mkdir -p "$bin" "$src"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

log() { printf '[tools] %s\n' "$*" >&2; }

# have NAME VERSION-STRING: true when $bin/NAME exists and a stamp records the version it was built at.
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$bin/.$1.version"; }

# on_path NAME VERSION CMD...: reuse a binary already on PATH when it reports the pinned version.
on_path() {
  local name=$1 want=$2; shift 2
  local p; p=$(command -v "$name" 2>/dev/null || true)
  [ -n "$p" ] && [ "$p" != "$bin/$name" ] || return 1
  "$@" 2>/dev/null | grep -q -- "$want" || return 1
  ln -sf "$p" "$bin/$name"; stamp "$name" "$want"; log "using $p ($want)"
}

wrapper() { # wrapper DIR: fresh wrapper module
  rm -rf "$1"; mkdir -p "$1"; (cd "$1" && go mod init "tools.local/$(basename "$1")" >/dev/null 2>&1)
}

build_pulumi() {
  local v=v$PULUMI_VERSION
  have pulumi "$v" && return 0
  on_path pulumi "$v" pulumi version && return 0
  local w="$src/pulumi-$v"; wrapper "$w"; cd "$w"
  go mod edit -replace "github.com/atotto/clipboard=$CLIPBOARD_REPLACE"
  go get "github.com/pulumi/pulumi/pkg/v3@$v" "github.com/pulumi/pulumi/sdk/v3@$v"
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$v"
  log "building pulumi $v (about 5 min cold)"
  go build -trimpath -o "$bin/pulumi" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  stamp pulumi "$v"
}

build_kubernetes_plugin() {
  local v=$K8S_PROVIDER_VERSION
  have pulumi-resource-kubernetes "$v" && return 0
  local w="$src/pulumi-kubernetes-$v"; wrapper "$w"; cd "$w"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  go mod download -json "$mod@$K8S_PROVIDER_MODULE_VERSION" >dl.json
  local dir; dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' dl.json)
  # The module zip lacks the files `go generate` would embed: copy the source out and write them.
  cp -r "$dir" provider-src; chmod -R u+w provider-src
  local cmd=provider-src/cmd/pulumi-resource-kubernetes
  python3 - "$cmd" "$v" <<'PY'
import json, sys, os
cmd, version = sys.argv[1], sys.argv[2]
with open(os.path.join(cmd, "schema.json")) as f:
    schema = json.load(f)
schema["version"] = version
with open(os.path.join(cmd, "schema-embed.json"), "w") as f:
    json.dump(schema, f)
tm = os.path.join(cmd, "terraform-mapping.json")
data = open(tm).read() if os.path.exists(tm) else "{}"
open(os.path.join(cmd, "terraform-mapping-embed.json"), "w").write(data)
PY
  # Keep the provider's own replace directives (they pin forks it needs), minus local paths.
  go mod edit -replace "$mod=./provider-src"
  (cd provider-src && go mod edit -json) | python3 -c '
import json, sys, subprocess
for r in json.load(sys.stdin).get("Replace") or []:
    new = r["New"]
    if not new.get("Version"):
        continue
    old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
    subprocess.check_call(["go", "mod", "edit", "-replace", old + "=" + new["Path"] + "@" + new["Version"]])
'
  go mod edit -require "$mod@$K8S_PROVIDER_MODULE_VERSION"
  go get "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$K8S_PROVIDER_VERSION" \
    "github.com/pulumi/pulumi/pkg/v3@$K8S_PROVIDER_PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$K8S_PROVIDER_PULUMI_VERSION"
  log "building pulumi-resource-kubernetes $v (about 8 min cold)"
  go build -trimpath -o "$bin/pulumi-resource-kubernetes" \
    -ldflags "-s -w -X $mod/pkg/version.Version=$v" "$mod/cmd/pulumi-resource-kubernetes"
  stamp pulumi-resource-kubernetes "$v"
}

build_pulumi_yaml() {
  local v=$PULUMI_YAML_VERSION
  have pulumi-language-yaml "$v" && return 0
  local w="$src/pulumi-yaml-$v"; wrapper "$w"; cd "$w"
  go get "github.com/pulumi/pulumi-yaml@v$v"
  # Align pulumi pkg/sdk with the CLI so both speak the same protocol.
  go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  go mod edit -replace "github.com/atotto/clipboard=$CLIPBOARD_REPLACE"
  go get "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$v"
  log "building pulumi-language-yaml $v"
  go build -trimpath -o "$bin/pulumi-language-yaml" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$v" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
  stamp pulumi-language-yaml "$v"
}

build_kube() {
  local v=v$KUBERNETES_VERSION
  have kube-apiserver "$v" && have kube-controller-manager "$v" && return 0
  local w="$src/kubernetes-$v"; wrapper "$w"; cd "$w"
  go mod download -json "k8s.io/kubernetes@$v" >dl.json
  local gomod; gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' dl.json)
  # k8s.io/kubernetes points its staging modules at ./staging; use their published releases instead.
  local staging="v0${v#v1}"
  grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$gomod" | awk '{print $1}' | sort -u |
    grep -vE 'sample-cli-plugin|sample-controller' | while read -r m; do
      echo "-replace=$m=$m@$staging"
    done | xargs go mod edit
  go get "k8s.io/kubernetes@$v"
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$v" "k8s.io/kubernetes/cmd/kube-controller-manager@$v"
  log "building kube-apiserver and kube-controller-manager $v (about 12 min cold)"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$v" \
    -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  stamp kube-apiserver "$v"; stamp kube-controller-manager "$v"
}

build_prometheus_adapter() {
  local v=v$PROMETHEUS_ADAPTER_VERSION
  have prometheus-adapter "$v" && return 0
  local w="$src/prometheus-adapter-$v"; wrapper "$w"; cd "$w"
  go get "sigs.k8s.io/prometheus-adapter@$v"
  log "building prometheus-adapter $v"
  go build -trimpath -ldflags "-s -w" -o "$bin/prometheus-adapter" sigs.k8s.io/prometheus-adapter/cmd/adapter
  stamp prometheus-adapter "$v"
}

build_golangci_lint() {
  local v=v$GOLANGCI_LINT_VERSION
  have golangci-lint "$v" && return 0
  on_path golangci-lint "$GOLANGCI_LINT_VERSION" golangci-lint version && return 0
  log "building golangci-lint $v"
  GOBIN="$bin" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$v"
  stamp golangci-lint "$v"
}

build_gremlins() {
  local v=v$GREMLINS_VERSION
  have gremlins "$v" && return 0
  log "building gremlins $v (about 30 s cold)"
  GOBIN="$bin" go install "github.com/go-gremlins/gremlins/cmd/gremlins@$v"
  stamp gremlins "$v"
}

apt_install() { # apt_install BINARY PACKAGE...
  command -v "$1" >/dev/null && return 0
  [ "$(id -u)" = 0 ] || { log "need $1: apt-get install $*"; return 1; }
  log "installing ${*:2} from Debian"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${@:2}" >/dev/null
}

case "${1:-all}" in
  bindir) echo "$bin" ;;
  pulumi) build_pulumi ;;
  kubernetes-plugin) build_kubernetes_plugin ;;
  pulumi-yaml) build_pulumi_yaml ;;
  kube) build_kube ;;
  prometheus-adapter) build_prometheus_adapter ;;
  golangci-lint) build_golangci_lint ;;
  gremlins) build_gremlins ;;
  etcd) apt_install etcd etcd-server ;;
  prometheus) apt_install prometheus prometheus ;;
  all)
    apt_install etcd etcd-server
    apt_install prometheus prometheus
    (build_pulumi); (build_kubernetes_plugin); (build_pulumi_yaml); (build_kube); (build_prometheus_adapter); (build_golangci_lint); (build_gremlins)
    ;;
  *) echo "usage: $0 [pulumi|kubernetes-plugin|pulumi-yaml|kube|prometheus-adapter|golangci-lint|gremlins|etcd|prometheus|all|bindir]" >&2; exit 2 ;;
esac
