#!/usr/bin/env bash
# Builds the local cluster's container images without a registry or a container engine: a root
# filesystem laid out by hand, made an OCI image by umoci, and written by skopeo as a docker-archive
# tar that keeps its localhost/NAME:TAG name when `ctr images import` reads it.
#
#   pause               Kubernetes' own pause (build/pause/linux/pause.c of k8s.io/kubernetes)
#   curl                Debian's curl with the libraries it links, and busybox for sh: the probe image
#   prices-api-standin  a STAND-IN for rahulrai/prices-api (GET /price/{id} on 8080), ours, since
#                       no registry is reachable here
#   agnhost             Kubernetes' test server and client (test/images/agnhost)
#   coredns             CoreDNS
#
# Usage: images.sh OUT_DIR KUBERNETES_BIN COREDNS_BIN PROGRAMS_BIN   (called by build.sh)
set -euo pipefail
out="$1" kube_bin="$2" coredns_bin="$3" programs_bin="$4"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

for t in umoci skopeo busybox ldd; do
  command -v "$t" >/dev/null || { echo "images: $t not found (Debian packages: umoci skopeo busybox-static libc-bin)" >&2; exit 1; }
done
busybox="$(command -v busybox)"   # busybox-static: one binary with no library to copy

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# image NAME REFERENCE ROOTFS_SETUP_FUNCTION CONFIG_ARGS...   (written to OUT_DIR/NAME.tar)
image() {
  local name="$1" ref="$2" setup="$3"; shift 3
  local tag="${ref##*:}" layout="$work/$name-oci" bundle="$work/$name-bundle"
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci unpack --image "$layout:$tag" "$bundle" >/dev/null
  "$setup" "$bundle/rootfs"
  umoci repack --image "$layout:$tag" "$bundle"
  umoci config --image "$layout:$tag" --os linux --architecture amd64 \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin \
    --config.label "org.opencontainers.image.source=prices-api-netpol local cluster (built by e2e/tools/images.sh)" \
    "$@"
  rm -f "$out/$name.tar"
  skopeo copy --quiet "oci:$layout:$tag" "docker-archive:$out/$name.tar:$ref"
  echo "$name $ref" >> "$work/images"
}

base_dirs() { mkdir -p "$1"/{bin,etc,tmp,usr/bin,usr/lib} ; chmod 1777 "$1/tmp"; printf 'nobody:x:65534:65534:nobody:/:/bin/sh\nroot:x:0:0:root:/:/bin/sh\n' > "$1/etc/passwd"; printf 'nogroup:x:65534:\nroot:x:0:\n' > "$1/etc/group"; }

setup_pause() { base_dirs "$1"; cp "$kube_bin/pause" "$1/pause"; }

# Every shared library curl needs, at the path the loader looks for it, and busybox as sh.
setup_curl() {
  local root="$1" lib
  base_dirs "$root"
  cp "$(command -v curl)" "$root/usr/bin/curl"
  for lib in $(ldd "$(command -v curl)" | awk '/=>/ { print $3 } /^[[:space:]]*\/.*ld-linux/ { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp "$busybox" "$root/bin/busybox"
  local applet
  for applet in sh sleep echo cat ls env nc wget printf true false; do ln -s busybox "$root/bin/$applet"; done
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
}

setup_standin() { base_dirs "$1"; cp "$programs_bin/prices-api-standin" "$1/prices-api-standin"; }
setup_agnhost() { base_dirs "$1"; cp "$kube_bin/agnhost" "$1/agnhost"; cp "$busybox" "$1/bin/busybox"; ln -s busybox "$1/bin/sh"; }
setup_coredns() { base_dirs "$1"; cp "$coredns_bin/coredns" "$1/coredns"; }

# Upstream programs keep their upstream version as tag; ours (and the curl we assemble) are v1 of
# this recipe, a name Pulumi.local.yaml can rely on.
image pause "localhost/pause:3.10.1" setup_pause --config.entrypoint /pause
image curl "localhost/prices-api-netpol/curl:v1" setup_curl --config.entrypoint curl --config.user 65534:65534 \
  --config.label "prices-api-netpol.curl=Debian's curl $(dpkg-query -W -f '${Version}' curl 2>/dev/null || echo '?') with busybox sh"
image prices-api-standin "localhost/prices-api-netpol/prices-api-standin:v1" setup_standin --config.entrypoint /prices-api-standin --config.exposedports 8080/tcp --config.user 65534:65534 \
  --config.label "prices-api-netpol.stand-in=A stand-in for rahulrai/prices-api: the registry is out of reach here. GET /price/{id} on 8080."
image agnhost "localhost/agnhost:$AGNHOST_VERSION" setup_agnhost --config.entrypoint /agnhost
image coredns "localhost/coredns:$COREDNS_VERSION" setup_coredns --config.entrypoint /coredns

# name=reference lines, read by the local cluster (local/images.ts)
sed 's/^\([^ ]*\) /\1=/' "$work/images" | tr 'a-z-' 'A-Z_' | sed 's/=.*//' > "$work/keys"
paste -d= "$work/keys" <(cut -d' ' -f2 "$work/images") | sed 's/^/IMAGE_/' > "$out/images.env"
