#!/usr/bin/env bash
# Builds (or reuses) the real tools of `npm run e2e` from their Go modules, at the versions pinned in
# e2e/tools/versions.env, into a cache folder outside the repository:
#
#   $E2E_TOOLS_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/prices-api-netpol/e2e-tools)/<tool>-<version>/bin
#
# Each tool folder is complete or absent: it is built in a temporary folder and renamed at the end, so
# an interrupted build is redone, and a finished one is reused by every later run.
#
# Only the go command talks to the module proxy. Where a module's own go.mod has `replace` directives
# that make `go install pkg@version` refuse it, a wrapper module in the build folder requires it and
# maps each relative replace to the published module of the same release. Nothing is downloaded at
# run time, and nothing of this lands in the repository.
#
# Usage: e2e/tools/build.sh [--print-bin-dirs] [TOOL...]   TOOL: pulumi kubernetes-provider kubernetes etcd kwok
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${E2E_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prices-api-netpol/e2e-tools}"
# Module and build caches live in the same folder, so a cold build is an empty folder and nothing
# spills into the user's own Go caches.
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"
export GOTOOLCHAIN=local   # the machine's Go, never a toolchain download
export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false -trimpath"
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
export GONOSUMDB="" GOPRIVATE=""

all_tools=(pulumi kubernetes-provider etcd kwok kubernetes)

tool_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    kubernetes-provider) echo "v$PULUMI_KUBERNETES_VERSION" ;;
    kubernetes) echo "$KUBERNETES_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    *) echo "unknown tool: $1 (known: ${all_tools[*]})" >&2; return 2 ;;
  esac
}

tool_dir() { echo "$cache/$1-$(tool_version "$1")"; }

log() { printf '[e2e-tools] %s\n' "$*" >&2; }

# go.mod path of module@version in the module cache (downloads it through the proxy if needed).
module_gomod() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'
}
module_dir() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# Prints the module's own replace directives, one "OLD => NEW" a line (block and single-line forms).
replace_lines() {
  awk '
    /^replace[[:space:]]*\($/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    inblock { sub(/\/\/.*/, ""); if ($0 ~ /=>/) print; next }
    /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); sub(/\/\/.*/, ""); print }
  ' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

# Writes a wrapper go.mod that requires MODULE@VERSION and carries the module's replace directives:
# a replace to a path inside the module's repository (`../api`, `./staging/src/k8s.io/api`) becomes
# the published module MAPPER prints for it; a replace to another module is kept as it is; a path
# that names no module (etcd's FORBIDDEN_DEPENDENCY guards) is dropped.
write_wrapper() {
  local dir="$1" module="$2" version="$3" mapper="$4"
  local gomod
  gomod="$(module_gomod "$module@$version")"
  {
    echo "module local.invalid/e2e-tools/wrapper"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')"
    echo
    echo "require $module $version"
    echo
    local line old new target
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      old="${line%%=>*}"; new="${line#*=>}"
      old="$(echo "$old" | xargs)"; new="$(echo "$new" | xargs)"
      old="${old%% *}"   # a version on the left side is irrelevant here
      case "$new" in
        ./*|../*)
          target="$("$mapper" "$old" "$new")"
          if [ -n "$target" ]; then echo "replace $old => $target"; fi
          ;;
        *) echo "replace $old => $new" ;;
      esac
    done < <(replace_lines "$gomod")
  } > "$dir/go.mod"
}

# Resolves the wrapper's requirements, then builds PACKAGES into $out with LDFLAGS.
build_in_wrapper() {
  local dir="$1" out="$2" ldflags="$3"; shift 3
  local pkg
  for pkg in "$@"; do echo "tool $pkg" >> "$dir/go.mod"; done
  (cd "$dir" && go mod tidy >/dev/null)
  (cd "$dir" && go build -ldflags "$ldflags" -o "$out/" "$@")
}

map_same_release() { # etcd: ../api => go.etcd.io/etcd/api/v3 at the same version
  case "$2" in *FORBIDDEN*) return 0 ;; esac
  echo "$1 $ETCD_VERSION"
}
map_kubernetes_staging() { # ./staging/src/k8s.io/api => k8s.io/api v0.MINOR.PATCH
  echo "$1 v0.${KUBERNETES_VERSION#v1.}"
}
map_pulumi_sdk() { # pkg's ../sdk => github.com/pulumi/pulumi/sdk/v3 at the same release
  echo "$1 $PULUMI_VERSION"
}

build_pulumi() {
  local work="$1"
  write_wrapper "$work" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" map_pulumi_sdk
  build_in_wrapper "$work" "$work/bin" \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_kubernetes_provider() {
  local work="$1" module=github.com/pulumi/pulumi-kubernetes/provider/v4
  # The provider embeds a versioned schema that its own generate.go writes next to main.go, so it is
  # built from writable copies of its module and of the SDK module its `../sdk` replace names, laid
  # side by side as in its repository; its own go.mod and go.sum then apply unchanged.
  cp -r "$(module_dir "$module@$PULUMI_KUBERNETES_MODULE_VERSION")" "$work/provider"
  cp -r "$(module_dir "github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_KUBERNETES_SDK_MODULE_VERSION")" "$work/sdk"
  chmod -R u+w "$work/provider" "$work/sdk"
  (cd "$work/provider/cmd/pulumi-resource-kubernetes" && VERSION="$PULUMI_KUBERNETES_VERSION" go generate ./...)
  (cd "$work/provider" && go build \
    -ldflags "-s -w -X $module/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
    -o "$work/bin/" ./cmd/pulumi-resource-kubernetes)
  rm -rf "$work/provider" "$work/sdk"
}

build_kubernetes() {
  local work="$1" v="$KUBERNETES_VERSION" minor
  minor="${v#v1.}"; minor="${minor%%.*}"
  write_wrapper "$work" k8s.io/kubernetes "$v" map_kubernetes_staging
  # Stamped as the release build does (hack/lib/version.sh): an unstamped apiserver reports v0.0.0.
  local stamp="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  build_in_wrapper "$work" "$work/bin" "-s -w$stamp" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  local work="$1"
  write_wrapper "$work" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" map_same_release
  build_in_wrapper "$work" "$work/bin" "-s -w" go.etcd.io/etcd/server/v3
  mv "$work/bin/server" "$work/bin/etcd"   # go names the binary after the last path element
}

build_kwok() {
  local work="$1" stages
  GOBIN="$work/bin" go install \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  # kwok runs only the lifecycle stages its --config names; kwokctl passes its module's "fast"
  # defaults (ready nodes with heartbeats; pods ready, Job pods completed, deleted pods removed).
  stages="$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/stage"
  local f
  for f in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    echo "---"; cat "$stages/$f.yaml"
  done > "$work/bin/kwok-stages.yaml"
}

ensure() {
  local tool="$1" dir work started
  dir="$(tool_dir "$tool")"
  if [ -f "$dir/.complete" ]; then
    log "$tool $(tool_version "$tool"): cached in $dir"
    return 0
  fi
  work="$dir.build.$$"
  rm -rf "$work"; mkdir -p "$work/bin"
  started=$(date +%s)
  log "$tool $(tool_version "$tool"): building into $dir"
  if ! "build_${tool//-/_}" "$work" 2> >(grep -v '^go: downloading' >&2); then
    log "$tool $(tool_version "$tool"): BUILD FAILED (build folder kept for inspection: $work)"
    return 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$work/bin" "$dir/bin"
  rm -rf "$work"
  echo "$(date -u +%FT%TZ) built in $(( $(date +%s) - started ))s" > "$dir/.complete"
  log "$tool $(tool_version "$tool"): built in $(( $(date +%s) - started ))s"
}

print_dirs=0
tools=()
for arg in "$@"; do
  case "$arg" in
    --print-bin-dirs) print_dirs=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) tool_version "$arg" >/dev/null; tools+=("$arg") ;;
  esac
done
[ ${#tools[@]} -gt 0 ] || tools=("${all_tools[@]}")

if [ "$print_dirs" = 1 ]; then
  for t in "${tools[@]}"; do echo "$(tool_dir "$t")/bin"; done
  exit 0
fi

command -v go >/dev/null || { log "go not found on PATH: the e2e tools are built with the go command"; exit 1; }
mkdir -p "$cache"
failed=()
built=0
for t in "${tools[@]}"; do
  if [ -f "$(tool_dir "$t")/.complete" ]; then ensure "$t"; else ensure "$t" && built=1 || failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  log "could not build: ${failed[*]}"
  exit 1
fi
# Only the binaries are reused; the compiler's cache (about 9 GB for these five) is not worth the
# disk. The module cache stays, so a version bump downloads only what changed.
if [ "$built" = 1 ]; then
  go clean -cache
  log "built everything; Go build cache cleared (binaries and module cache kept in $cache)"
fi
