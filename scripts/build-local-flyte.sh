#!/usr/bin/env bash
# Builds the parts of the local Flyte (tools/local-flyte) into .tools/bin, each only when its sources changed:
#   flyte           Flyte v1.16.8 single binary (FlyteAdmin + FlytePropeller + DataCatalog), tools/local-flyte/flyte
#   kube-apiserver  Kubernetes v1.34.4 API server, tools/local-flyte/kube/cmd/kube-apiserver
#   etcd            etcd v3.6 server, tools/local-flyte/kube/cmd/etcd
#   flyte-kubelet   the kubelet stand-in (a virtual-kubelet provider running pods as local processes),
#                   tools/local-flyte/kubelet
# The Flyte sources the Go module proxy does not serve (cmd/, flyteadmin/, datacatalog/ of the v1.16.8 tag) come from
# $FLYTE_SOURCE_ARCHIVE, else ../shared/third_party/flyte-v1.16.8/ beside the checkout, else a clone of the tag; they
# are unpacked into .tools/src/flyte-v1.16.8 and patched (tools/local-flyte/flyte/loopback.patch: every listener on
# 127.0.0.1).
#
# Postgres comes from the system (Debian's postgresql, installed here when missing and running as root).
#
# Usage: scripts/build-local-flyte.sh [flyte|kube|kubelet ...]   (default: all)
# Env:   LOCAL_FLYTE_BUILD_JOBS  go build -p (default: number of CPUs)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

tools_dir="$repo_root/.tools"
bin_dir="$tools_dir/bin"
src_root="$tools_dir/src"
flyte_src="$src_root/flyte-v1.16.8"
mod_dir="$repo_root/tools/local-flyte"
flyte_tag="v1.16.8"
flyte_commit="51877f899c9f95e0cb5efe90444eb0c6c6ea48a9"
archive_sha256="c1be71fdc2bf17da17f3ffc325f7d7fd03ac565329fb2ebb60f812fe1ecaee30"
archive_name="flyte-v1.16.8-admin-datacatalog-cmd.tar.gz"
k8s_version="v1.34.4"
jobs="${LOCAL_FLYTE_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"

log() { printf '[build-local-flyte] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

command -v go >/dev/null 2>&1 || die "go is not installed (Go 1.26 or newer is needed to build the local Flyte)"
mkdir -p "$bin_dir" "$src_root"

# One build at a time per .tools directory (several checkouts may share it).
exec 9>"$tools_dir/.local-flyte-build.lock"
flock 9

# A digest of everything a component's binary depends on: its module's files, the Go version, and extra inputs.
digest_of() {
  {
    go version
    find "$@" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.patch' \) -print0 |
      sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

up_to_date() { # name digest
  [[ -x "$bin_dir/$1" ]] && [[ "$(cat "$bin_dir/.$1.digest" 2>/dev/null || true)" == "$2" ]]
}

go_build() { # name module_dir package ldflags
  local name=$1 dir=$2 pkg=$3 ldflags=$4 tmp="$bin_dir/$1.tmp.$$"
  if ! (cd "$dir" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0 \
    go build -p "$jobs" -trimpath -ldflags "-s -w $ldflags" -o "$tmp" "$pkg"); then
    rm -f "$tmp"
    die "go build of $name ($dir $pkg) failed"
  fi
  mv -f "$tmp" "$bin_dir/$name"
}

# Unpacks the v1.16.8 sources into $flyte_src and applies the loopback patch (once per archive + patch).
prepare_flyte_source() {
  local patch="$mod_dir/flyte/loopback.patch" want have archive tmp
  want="$flyte_commit $(sha256sum "$patch" | cut -d' ' -f1)"
  have="$(cat "$flyte_src/.flytekit-ts-source" 2>/dev/null || true)"
  [[ "$have" == "$want" ]] && return 0
  tmp="$src_root/.flyte-src.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  archive="${FLYTE_SOURCE_ARCHIVE:-$repo_root/../shared/third_party/flyte-v1.16.8/$archive_name}"
  if [[ -f "$archive" ]]; then
    log "flyte sources: unpacking $archive"
    [[ "$(sha256sum "$archive" | cut -d' ' -f1)" == "$archive_sha256" ]] ||
      die "$archive does not have the sha256 of the $flyte_tag archive ($archive_sha256)"
    tar -xzf "$archive" -C "$tmp" LICENSE go.mod go.sum cmd datacatalog flyteadmin
  else
    log "flyte sources: cloning github.com/flyteorg/flyte at $flyte_tag"
    command -v git >/dev/null 2>&1 || die "git is needed to clone the Flyte $flyte_tag sources"
    git clone --quiet --depth 1 --branch "$flyte_tag" https://github.com/flyteorg/flyte "$tmp/clone" ||
      die "git clone of github.com/flyteorg/flyte $flyte_tag failed (set FLYTE_SOURCE_ARCHIVE to the source archive)"
    [[ "$(git -C "$tmp/clone" rev-parse HEAD)" == "$flyte_commit" ]] ||
      die "the $flyte_tag tag of github.com/flyteorg/flyte is not commit $flyte_commit"
    (cd "$tmp/clone" && cp -a LICENSE go.mod go.sum cmd datacatalog flyteadmin "$tmp/")
    rm -rf "$tmp/clone"
  fi
  # git apply works outside a repository, like patch(1), and is present wherever the checkout came from.
  (cd "$tmp" && git apply --whitespace=nowarn -p1 "$patch") || die "$patch does not apply to the $flyte_tag sources"
  printf '%s\n' "$want" >"$tmp/.flytekit-ts-source"
  rm -rf "$flyte_src"
  mv "$tmp" "$flyte_src"
}

build_flyte() {
  local t0 digest
  t0="$(now)"
  prepare_flyte_source
  digest="$(digest_of "$mod_dir/flyte" "$flyte_src/cmd" "$flyte_src/flyteadmin" "$flyte_src/datacatalog")"
  if up_to_date flyte "$digest"; then
    log "flyte: up to date ($bin_dir/flyte)"
    return 0
  fi
  log "flyte: building the $flyte_tag single binary (cold: ~7 min CPU, ~2 GB RAM)"
  go_build flyte "$mod_dir/flyte" . \
    "-X github.com/flyteorg/flyte/flytestdlib/version.Version=$flyte_tag -X github.com/flyteorg/flyte/flytestdlib/version.Build=${flyte_commit:0:7}"
  printf '%s\n' "$digest" >"$bin_dir/.flyte.digest"
  log "flyte: built in $(elapsed "$t0")"
}

build_kube() {
  local t0 digest
  t0="$(now)"
  digest="$(digest_of "$mod_dir/kube")"
  if up_to_date kube-apiserver "$digest" && up_to_date etcd "$digest"; then
    log "kube-apiserver, etcd: up to date"
    return 0
  fi
  log "kube-apiserver: building Kubernetes $k8s_version (cold: ~7 min CPU, ~2 GB RAM)"
  local v="-X k8s.io/component-base/version"
  go_build kube-apiserver "$mod_dir/kube" ./cmd/kube-apiserver \
    "$v.gitVersion=$k8s_version $v.gitMajor=1 $v.gitMinor=34 $v.gitTreeState=clean"
  log "kube-apiserver: built in $(elapsed "$t0")"
  t0="$(now)"
  go_build etcd "$mod_dir/kube" ./cmd/etcd ""
  printf '%s\n' "$digest" >"$bin_dir/.kube-apiserver.digest"
  printf '%s\n' "$digest" >"$bin_dir/.etcd.digest"
  log "etcd: built in $(elapsed "$t0")"
}

build_kubelet() {
  local t0 digest
  t0="$(now)"
  digest="$(digest_of "$mod_dir/kubelet")"
  if up_to_date flyte-kubelet "$digest"; then
    log "flyte-kubelet: up to date"
    return 0
  fi
  log "flyte-kubelet: building the kubelet stand-in"
  go_build flyte-kubelet "$mod_dir/kubelet" . ""
  printf '%s\n' "$digest" >"$bin_dir/.flyte-kubelet.digest"
  log "flyte-kubelet: built in $(elapsed "$t0")"
}

# Postgres's server binaries (initdb, postgres, pg_isready) are not built: they come from the system. On Debian as
# root they are installed when missing; elsewhere their absence is an error naming the package.
ensure_postgres() {
  if [[ -n "${LOCAL_FLYTE_PG_BIN:-}" ]] || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ||
    command -v pg_config >/dev/null 2>&1; then
    return 0
  fi
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "postgres: installing Debian's postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2; } ||
      die "apt-get install postgresql failed"
    return 0
  fi
  die "Postgres server binaries not found: install them (Debian: apt-get install postgresql) or set LOCAL_FLYTE_PG_BIN"
}

t_all="$(now)"
ensure_postgres
parts=("$@")
[[ ${#parts[@]} -eq 0 ]] && parts=(flyte kube kubelet)
for part in "${parts[@]}"; do
  case "$part" in
    flyte) build_flyte ;;
    kube) build_kube ;;
    kubelet) build_kubelet ;;
    *) die "unknown part '$part' (expected flyte, kube or kubelet)" ;;
  esac
done
log "done in $(elapsed "$t_all")"
