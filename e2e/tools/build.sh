#!/usr/bin/env bash
# Builds (or reuses) the real tools of the local cluster (`npm run local`) and of `npm run e2e` from
# their Go modules, at the versions pinned in e2e/tools/versions.env, into a cache folder outside the
# repository:
#
#   $E2E_TOOLS_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/prices-api-netpol/e2e-tools)/<tool>-<version>/bin
#
# Each tool folder is complete or absent: it is built in a temporary folder and renamed at the end, so
# an interrupted build is redone. Its .complete file records the sha256 of every binary, and every use
# checks them: a changed or missing binary is an error, never silently used.
#
# Only the go command talks to the module proxy, and only through the wrapper modules committed in
# e2e/tools/modules/<tool>/ (go.mod and go.sum): a module whose content differs from the committed
# go.sum fails the build, whatever GOSUMDB or GOFLAGS the caller has set. `--update-modules` writes
# those wrappers anew (after a version change here), with the checksum database forced on.
#
# Usage: e2e/tools/build.sh [--print-bin-dirs | --check | --update-modules] [TOOL...]
#   TOOL: pulumi kubernetes-provider etcd kubernetes coredns kube-router programs images
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
modules="${E2E_TOOLS_MODULES:-$here/modules}"

cache="${E2E_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prices-api-netpol/e2e-tools}"
# Module and build caches live in the same folder, so a cold build is an empty folder and nothing
# spills into the user's own Go caches.
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"
export GOTOOLCHAIN=local   # the machine's Go, never a toolchain download
export CGO_ENABLED=0
# Set here, never inherited: -mod=readonly makes a missing or different go.sum line an error, and the
# checksum database is on for whatever a go.sum does not cover.
export GOFLAGS="-buildvcs=false -trimpath -mod=readonly"
export GOSUMDB=sum.golang.org GONOSUMDB="" GONOSUMCHECK="" GOPRIVATE="" GOINSECURE="" GONOPROXY=""
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
case "$GOPROXY" in *direct*|off) GOPROXY=https://proxy.golang.org ;; esac

all_tools=(pulumi kubernetes-provider etcd kubernetes coredns kube-router programs images)

# The binaries each tool folder must hold: a cache that lacks one is rebuilt.
tool_binaries() {
  case "$1" in
    pulumi) echo "pulumi" ;;
    kubernetes-provider) echo "pulumi-resource-kubernetes" ;;
    etcd) echo "etcd" ;;
    kubernetes) echo "kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy agnhost pause" ;;
    coredns) echo "coredns" ;;
    kube-router) echo "kube-router" ;;
    programs) echo "prices-api-standin netns-forward" ;;
    images) echo "pause.tar curl.tar prices-api-standin.tar agnhost.tar coredns.tar images.env" ;;
  esac
}

# Our own programs (local/cmd) and the images are keyed by the content of what goes into them.
programs_key() { (cd "$repo/local/cmd" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12); }
images_key() {
  {
    cat "$here/images.sh"
    echo "$KUBERNETES_VERSION $COREDNS_VERSION $(programs_key)"
    dpkg-query -W -f '${Package} ${Version}\n' curl libcurl4 2>/dev/null || echo "no-dpkg"
  } | sha256sum | cut -c1-12
}

tool_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    kubernetes-provider) echo "v$PULUMI_KUBERNETES_VERSION" ;;
    kubernetes) echo "$KUBERNETES_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    coredns) echo "$COREDNS_VERSION" ;;
    kube-router) echo "$KUBE_ROUTER_VERSION" ;;
    programs) echo "src-$(programs_key)" ;;
    images) echo "src-$(images_key)" ;;
    *) echo "unknown tool: $1 (known: ${all_tools[*]})" >&2; return 2 ;;
  esac
}

tool_dir() { echo "$cache/$1-$(tool_version "$1")"; }

log() { printf '[e2e-tools] %s\n' "$*" >&2; }

# --- wrapper modules -------------------------------------------------------------------------------

# The module each wrapper requires, its version, the packages built from it, and how a replace to a
# path inside its repository maps to a published module.
wrapper_spec() {
  case "$1" in
    pulumi) echo "github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION map_pulumi_sdk github.com/pulumi/pulumi/pkg/v3/cmd/pulumi" ;;
    kubernetes-provider) echo "github.com/pulumi/pulumi-kubernetes/provider/v4 $PULUMI_KUBERNETES_MODULE_VERSION map_provider_sdk github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes" ;;
    etcd) echo "go.etcd.io/etcd/server/v3 $ETCD_VERSION map_same_release go.etcd.io/etcd/server/v3" ;;
    kubernetes) echo "k8s.io/kubernetes $KUBERNETES_VERSION map_kubernetes_staging k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/test/images/agnhost" ;;
    coredns) echo "github.com/coredns/coredns $COREDNS_VERSION map_none github.com/coredns/coredns" ;;
    kube-router) echo "github.com/cloudnativelabs/kube-router/v2 $KUBE_ROUTER_VERSION map_none github.com/cloudnativelabs/kube-router/v2/cmd/kube-router" ;;
    *) return 1 ;;
  esac
}

# go.mod path of module@version in the module cache (downloads it through the proxy if needed).
module_gomod() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'
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

map_none() { return 0; }
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
map_provider_sdk() { # the provider's ../sdk => github.com/pulumi/pulumi-kubernetes/sdk/v4 of the release
  echo "$1 $PULUMI_KUBERNETES_SDK_MODULE_VERSION"
}

# Writes e2e/tools/modules/TOOL/go.mod and go.sum anew: it requires the module at the pinned version,
# carries the module's own replace directives (a replace to a path inside the module's repository
# becomes the published module the mapper names; a path that names no module, such as etcd's
# FORBIDDEN_DEPENDENCY guards, is dropped) and names the packages built as tools. The checksum
# database is forced on, so every line of the new go.sum is one the database vouches for.
update_module() {
  local tool="$1" spec module version mapper packages gomod work
  spec="$(wrapper_spec "$tool")" || { log "$tool has no wrapper module"; return 0; }
  read -r module version mapper packages <<<"$spec"
  work="$(mktemp -d)"
  gomod="$(GOFLAGS=-mod=mod module_gomod "$module@$version")"
  {
    echo "// Generated by e2e/tools/build.sh --update-modules from $module@$version; do not edit."
    echo "module local.invalid/e2e-tools/$tool"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')"
    echo
    echo "require $module $version"
    echo
    local line old new target pkg
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
    echo
    # shellcheck disable=SC2086
    for pkg in $packages; do echo "tool $pkg"; done
  } > "$work/go.mod"
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy)
  mkdir -p "$modules/$tool"
  cp "$work/go.mod" "$work/go.sum" "$modules/$tool/"
  rm -rf "$work"
  log "$tool: wrote $modules/$tool/go.mod and go.sum ($(wc -l < "$modules/$tool/go.sum") checksums)"
}

# Copies the committed wrapper into WORK after checking that it is for the pinned version.
use_wrapper() {
  local tool="$1" work="$2" spec module version
  spec="$(wrapper_spec "$tool")"
  read -r module version _ <<<"$spec"
  if [ ! -f "$modules/$tool/go.mod" ] || [ ! -f "$modules/$tool/go.sum" ]; then
    log "$tool: no committed wrapper module in $modules/$tool (go.mod and go.sum); run: bash e2e/tools/build.sh --update-modules $tool"
    return 1
  fi
  if ! grep -Eq "^(require[[:space:]]+|[[:space:]]+)${module//./\\.} ${version//./\\.}( |$)" "$modules/$tool/go.mod"; then
    log "$tool: $modules/$tool/go.mod is not for $module $version (versions.env); run: bash e2e/tools/build.sh --update-modules $tool"
    return 1
  fi
  cp "$modules/$tool/go.mod" "$modules/$tool/go.sum" "$work/"
  # Every module of the build list, checked against the committed go.sum before anything is built.
  (cd "$work" && go mod download)
}

# Builds the wrapper's tool packages into $out with LDFLAGS.
build_wrapper_tools() {
  local tool="$1" work="$2" out="$3" ldflags="$4" spec packages
  spec="$(wrapper_spec "$tool")"
  read -r _ _ _ packages <<<"$spec"
  use_wrapper "$tool" "$work"
  # shellcheck disable=SC2086
  (cd "$work" && go build -ldflags "$ldflags" -o "$out/" $packages)
}

# Directory of module@version in the module cache, downloaded through (and checked against) the wrapper.
wrapper_module_dir() {
  (cd "$1" && go mod download -json "$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

# --- the tools ---------------------------------------------------------------------------------------

build_pulumi() {
  local work="$1"
  build_wrapper_tools pulumi "$work" "$work/bin" \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

build_kubernetes_provider() {
  local work="$1" module=github.com/pulumi/pulumi-kubernetes/provider/v4
  use_wrapper kubernetes-provider "$work"
  # The provider embeds a versioned schema that its own generate.go writes next to main.go, so it is
  # built from writable copies of its module and of the SDK module its `../sdk` replace names, laid
  # side by side as in its repository; its own go.mod and go.sum (inside the checked module) apply.
  cp -r "$(wrapper_module_dir "$work" "$module@$PULUMI_KUBERNETES_MODULE_VERSION")" "$work/provider"
  cp -r "$(wrapper_module_dir "$work" "github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_KUBERNETES_SDK_MODULE_VERSION")" "$work/sdk"
  chmod -R u+w "$work/provider" "$work/sdk"
  (cd "$work/provider/cmd/pulumi-resource-kubernetes" && VERSION="$PULUMI_KUBERNETES_VERSION" GOFLAGS="-buildvcs=false -trimpath" go generate ./...)
  (cd "$work/provider" && go build \
    -ldflags "-s -w -X $module/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
    -o "$work/bin/" ./cmd/pulumi-resource-kubernetes)
  rm -rf "$work/provider" "$work/sdk"
}

build_kubernetes() {
  local work="$1" v="$KUBERNETES_VERSION" minor
  minor="${v#v1.}"; minor="${minor%%.*}"
  # Stamped as the release build does (hack/lib/version.sh): an unstamped apiserver reports v0.0.0,
  # and an unstamped kubelet registers its node as v0.0.0.
  local stamp="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  build_wrapper_tools kubernetes "$work" "$work/bin" "-s -w$stamp"
  # Kubernetes' own pause (build/pause/linux/pause.c), static, as its Makefile builds it.
  local src
  src="$(wrapper_module_dir "$work" "k8s.io/kubernetes@$KUBERNETES_VERSION")/build/pause/linux/pause.c"
  command -v gcc >/dev/null || { log "gcc not found: it builds Kubernetes' pause from $src"; return 1; }
  gcc -Os -Wall -Werror -static -DVERSION="v3.10.1-$KUBERNETES_VERSION" -o "$work/bin/pause" "$src"
}

build_etcd() {
  local work="$1"
  build_wrapper_tools etcd "$work" "$work/bin" "-s -w"
  mv "$work/bin/server" "$work/bin/etcd"   # go names the binary after the last path element
}

build_coredns() {
  local work="$1"
  build_wrapper_tools coredns "$work" "$work/bin" "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION"
}

build_kube_router() {
  # Only its network policy controller runs (--run-firewall), as k3s embeds it, and only inside the
  # local cluster's own network namespace: the module proxy notes security reports against v2.1.0.
  local work="$1"
  build_wrapper_tools kube-router "$work" "$work/bin" \
    "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION -X github.com/cloudnativelabs/kube-router/v2/pkg/version.BuildDate=1970-01-01T00:00:00Z"
}

build_programs() { # our own: the prices-api stand-in and the loopback forwarder (local/cmd, no dependencies)
  local work="$1"
  (cd "$repo/local/cmd" && GOFLAGS="-buildvcs=false -trimpath -mod=readonly" go build -ldflags "-s -w" -o "$work/bin/" ./prices-api-standin ./netns-forward)
}

build_images() {
  local work="$1"
  E2E_TOOLS_CACHE="$cache" bash "$here/images.sh" "$work/bin" \
    "$(tool_dir kubernetes)/bin" "$(tool_dir coredns)/bin" "$(tool_dir programs)/bin"
}

# --- the cache ---------------------------------------------------------------------------------------

# Checks the sha256 of every binary against what .complete recorded at build time. Prints the first
# problem and returns 1: a binary that changed, is missing, or was never recorded.
verify_tool() {
  local tool="$1" dir f want got
  dir="$(tool_dir "$tool")"
  [ -f "$dir/.complete" ] || { echo "not built"; return 1; }
  for f in $(tool_binaries "$tool"); do
    want="$(awk -v f="$f" '$2 == f { print $1 }' "$dir/.complete")"
    [ -n "$want" ] || { echo "$f was not recorded at build time (an older build): rebuild"; return 1; }
    [ -f "$dir/bin/$f" ] || { echo "$dir/bin/$f is missing"; return 1; }
    got="$(sha256sum "$dir/bin/$f" | cut -d' ' -f1)"
    [ "$want" = "$got" ] || { echo "$dir/bin/$f changed since it was built (sha256 $got, built as $want)"; return 2; }
  done
}

# ensure TOOL [CHECK_FILE]: CHECK_FILE holds verify_tool's exit code and message when the check ran ahead.
ensure() {
  local tool="$1" dir work started problem rc=0
  dir="$(tool_dir "$tool")"
  if [ -n "${2:-}" ] && [ -s "$2" ]; then
    rc="$(head -n1 "$2")"; problem="$(tail -n +2 "$2")"
  else
    problem="$(verify_tool "$tool")" || rc=$?
  fi
  if [ "$rc" = 0 ]; then
    log "$tool $(tool_version "$tool"): cached in $dir (sha256 checked)"
    return 0
  fi
  if [ "$rc" = 2 ]; then
    # A binary that changed after it was built is not rebuilt over: somebody should look first.
    log "$tool $(tool_version "$tool"): REFUSED: $problem; remove $dir to rebuild it"
    return 1
  fi
  [ -f "$dir/.complete" ] && log "$tool $(tool_version "$tool"): $problem"
  work="$dir.build.$$"
  rm -rf "$work"; mkdir -p "$work/bin"
  started=$(date +%s)
  log "$tool $(tool_version "$tool"): building into $dir"
  # A heartbeat, so a cold build of several minutes is never silent for more than 30 s.
  # `wait` on a background sleep, so that the kill below ends it at once, not after the sleep.
  (
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep 30 & nap=$!
      wait "$nap"
      log "still building $tool $(tool_version "$tool"): $(( ($(date +%s) - started) / 60 ))m$(( ($(date +%s) - started) % 60 ))s"
    done
  ) &
  local heartbeat=$!
  local ok=0
  "build_${tool//-/_}" "$work" 2> >(grep --line-buffered -v '^go: downloading' >&2) || ok=$?
  kill "$heartbeat" 2>/dev/null; wait "$heartbeat" 2>/dev/null || true
  if [ "$ok" != 0 ]; then
    log "$tool $(tool_version "$tool"): BUILD FAILED (build folder kept for inspection: $work)"
    return 1
  fi
  local f sums="" elapsed
  for f in $(tool_binaries "$tool"); do
    [ -f "$work/bin/$f" ] || { log "$tool: the build made no $f"; return 1; }
    sums+="$(cd "$work/bin" && sha256sum "$f")"$'\n'
  done
  elapsed=$(( $(date +%s) - started ))
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$work/bin" "$dir/bin"
  rm -rf "$work"
  printf '# built %s in %ss; sha256 of every binary, checked at each use\n%s' "$(date -u +%FT%TZ)" "$elapsed" "$sums" > "$dir/.complete"
  log "$tool $(tool_version "$tool"): built in ${elapsed}s"
  built=1
}

mode=build
tools=()
for arg in "$@"; do
  case "$arg" in
    --print-bin-dirs) mode=print ;;
    --check) mode=check ;;
    --update-modules) mode=update ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) tool_version "$arg" >/dev/null; tools+=("$arg") ;;
  esac
done
[ ${#tools[@]} -gt 0 ] || tools=("${all_tools[@]}")

case "$mode" in
  print)
    for t in "${tools[@]}"; do echo "$(tool_dir "$t")/bin"; done
    exit 0 ;;
  check) # every tool built and unchanged; prints the problems, exits 1 if any
    bad=0
    for t in "${tools[@]}"; do
      if ! p="$(verify_tool "$t")"; then echo "$t: $p"; bad=1; fi
    done
    exit "$bad" ;;
esac

command -v go >/dev/null || { log "go not found on PATH: the tools are built with the go command"; exit 1; }
mkdir -p "$cache"
if [ "$mode" = update ]; then
  for t in "${tools[@]}"; do update_module "$t"; done
  exit 0
fi
failed=()
built=0
# The sha256 checks of the cached tools (over a gigabyte of binaries) run side by side, one per tool.
checks="$(mktemp -d)"
for t in "${tools[@]}"; do
  ( rc=0; out="$(verify_tool "$t")" || rc=$?; printf '%s\n%s' "$rc" "$out" > "$checks/$t" ) &
done
wait
for t in "${tools[@]}"; do
  ensure "$t" "$checks/$t" || failed+=("$t")
done
rm -rf "$checks"
if [ ${#failed[@]} -gt 0 ]; then
  log "could not build: ${failed[*]}"
  exit 1
fi
# Only the binaries are reused; the compiler's cache (about 10 GB for these) is not worth the disk.
# The module cache stays, so a version bump downloads only what changed.
if [ "$built" = 1 ]; then
  go clean -cache
  log "built everything; Go build cache cleared (binaries and module cache kept in $cache)"
fi
