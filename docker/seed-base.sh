#!/usr/bin/env bash
# Seed a Debian bookworm base image into the local Docker engine without a registry.
#
# Why this exists: CI and dev machines reach the Debian and PyPI mirrors but no container registry,
# so `FROM debian:bookworm-slim` cannot be pulled. We build an equivalent minimal root filesystem
# with debootstrap from the Debian mirror apt already uses, and load it under the tag the
# Dockerfile expects.
#
#   amd64 -> debian:bookworm-slim              (the Dockerfile's default FROM)
#   arm64 -> lowrank-anim/base:bookworm-arm64  (built under qemu-user emulation)
#
# The arm64 image goes through `docker build --platform linux/arm64` (FROM scratch + ADD) because a
# plain `docker import` labels every image with the host's architecture.
#
# Idempotent: an image tag that already exists is left alone. For arm64 the qemu binfmt handler is
# (re)registered every time, because it is lost on reboot and arm64 containers need it to run.
#
# Usage: docker/seed-base.sh [amd64|arm64]      (as root; default amd64; prints the tag at the end)
# Env:   LOWRANK_DEBIAN_MIRROR  override the mirror found in apt's configuration
set -euo pipefail

arch="${1:-amd64}"
suite=bookworm

die() { echo "seed-base: $*" >&2; exit 1; }
say() { echo "seed-base: $*" >&2; }

case "$arch" in
    amd64) tag="debian:bookworm-slim" ;;
    arm64) tag="lowrank-anim/base:bookworm-arm64" ;;
    *) die "unknown architecture '$arch' (expected amd64 or arm64)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap needs it)"
docker info >/dev/null 2>&1 || die "docker engine not running (run docker/start-engine.sh first)"

apt_install() {
    say "installing $* with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

# The first non-security Debian archive URI in apt's configuration (deb822 and one-line styles).
debian_mirror() {
    local files=() f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list
    do
        [ -f "$f" ] && files+=("$f")
    done
    if [ "${#files[@]}" -gt 0 ]; then
        { grep -h -E '^[[:space:]]*URIs:' "${files[@]}" | sed -E 's/^[[:space:]]*URIs:[[:space:]]*//' \
              | tr ' ' '\n'
          grep -h -E '^[[:space:]]*deb[[:space:]]' "${files[@]}" \
              | sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*//'
        } | grep -E '/debian/?$' | grep -v -- '-security' | head -n 1 | sed -E 's#/$##'
    fi
}

ensure_arm64_emulation() {
    if [ ! -x /usr/bin/qemu-aarch64-static ] || ! command -v update-binfmts >/dev/null 2>&1; then
        apt_install qemu-user-static binfmt-support
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
            || die "cannot mount binfmt_misc (kernel module missing or not privileged)"
    fi
    # Debian's qemu-user-static registers with the F (fix-binary) flag, so the interpreter works
    # inside chroots and containers without copying qemu into them.
    if ! grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64; then
        update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 \
            || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
    fi
    grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
        || die "qemu-aarch64 binfmt handler not registered (update-binfmts --enable qemu-aarch64)"
}

[ "$arch" = arm64 ] && ensure_arm64_emulation

if docker image inspect "$tag" >/dev/null 2>&1; then
    say "$tag already present, skipping"
    echo "$tag"
    exit 0
fi

command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap

mirror="${LOWRANK_DEBIAN_MIRROR:-$(debian_mirror || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"
say "debootstrap $suite ($arch) from $mirror"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/lowrank-seed-$arch.XXXXXX")"
rootfs="$work/rootfs"
cleanup() {
    # debootstrap mounts /proc (and maybe /sys, /dev) inside the target; a failed run can leave them
    # mounted, and `rm -rf` through a mounted /dev or /proc would be a disaster.
    local m
    awk -v d="$work/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r \
        | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

debootstrap --arch="$arch" --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# Match the official slim image: apt sources for the suite, updates and security; no package lists,
# no cached .debs, no host identity copied in by debootstrap.
security="${mirror%/debian}/debian-security"
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
# Like the official slim variant (and ~45 MB smaller): no documentation, man pages or translations,
# and dpkg told to leave them out of every later install too. Licences stay.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/groff/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/lintian/* "$rootfs"/usr/share/linda/* "$rootfs"/usr/share/locale/*
rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"

if [ "$arch" = amd64 ]; then
    tar --numeric-owner -C "$rootfs" -c . \
        | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
else
    # A context of just the tarball and the Dockerfile: the rootfs itself must not be sent.
    mkdir "$work/context"
    tar --numeric-owner -C "$rootfs" -cf "$work/context/rootfs.tar" .
    rm -rf --one-file-system "$rootfs"
    printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' >"$work/context/Dockerfile"
    # The legacy builder on purpose: it needs no buildx plugin (the docker 28 client here has none,
    # so DOCKER_BUILDKIT=1 would fail) and it labels a FROM scratch image with --platform.
    DOCKER_BUILDKIT=0 docker build --network host --platform "linux/$arch" -t "$tag" \
        "$work/context" >"$work/build.log" 2>&1 \
        || { tail -n 20 "$work/build.log" >&2; die "docker build of $tag failed"; }
fi

got="$(docker image inspect --format '{{.Architecture}}' "$tag")"
[ "$got" = "$arch" ] || die "$tag was labelled '$got', expected '$arch'"
echo "$tag"
