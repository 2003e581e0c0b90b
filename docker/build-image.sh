#!/usr/bin/env bash
# Build the lowrank-anim image for exactly one platform, with BuildKit, whatever Docker client is here.
#
# Why this exists: the Dockerfile needs BuildKit (TARGETARCH for the architecture check, RUN --mount
# for the extra_ca secret), and which client can drive BuildKit differs between machines:
#   * Docker Desktop and docker-ce ship the buildx plugin: `docker buildx build --load`;
#   * Docker 23+ clients WITHOUT buildx cannot (`DOCKER_BUILDKIT=1 docker build` fails with
#     "the buildx component is missing"), and Debian 12 has no docker-buildx package;
#   * Debian 12's docker.io client (20.10, /usr/bin/docker) has BuildKit built in:
#     `DOCKER_BUILDKIT=1 docker build`. scripts/system-deps.sh installs it on CI machines.
# So: buildx if any client has it, else a client older than 23, else a one-line error naming the fix.
#
# It also makes sure the base image exists (local, else pulled, else seeded with debootstrap by
# docker/seed-base.sh when running as root on Linux: there is no registry on CI), refuses a foreign
# platform when no emulator is registered, and checks the built image's architecture label.
#
# Usage: docker/build-image.sh [options] [-- extra docker build arguments]
#   --platform linux/ARCH   target platform (default: the engine's own, e.g. linux/arm64 on a Mac M1)
#   --tag NAME              image name (default: lowrank-anim:ARCH)
#   --base-image IMAGE      the Dockerfile's BASE_IMAGE (default: debian:bookworm-slim, or the
#                           seeded lowrank-anim/base:bookworm-arm64 when arm64 cannot be pulled)
#   --extra-ca FILE         CA bundle for pip behind a TLS-inspecting proxy (BuildKit secret
#                           extra_ca). Default: $LOWRANK_EXTRA_CA, else the bundle the host's pip
#                           already trusts ($PIP_CERT, $REQUESTS_CA_BUNDLE), else none.
#   --no-extra-ca           never pass the secret
#   --native-platform       print the engine's platform (linux/ARCH) and exit
# Env:  LOWRANK_DOCKER        the client to use (skips the search)
#       LOWRANK_BUILD_NETWORK network for RUN steps (default host: engines started by
#                             docker/start-engine.sh have no bridge; empty = the engine's default)
# Prints the plain BuildKit log, then `build-image: built TAG (linux/ARCH) in Ns`.
set -euo pipefail

die() { echo "build-image: $*" >&2; exit 1; }
say() { echo "build-image: $*" >&2; }

here="$(cd "$(dirname "$0")" && pwd)"
context="$(dirname "$here")"

canonical_arch() {
    case "$1" in
        x86_64 | amd64) echo amd64 ;;
        aarch64 | arm64 | arm64e | armv8*) echo arm64 ;;
        *) echo "$1" ;;
    esac
}

native_platform() {
    local arch
    arch="$(docker version --format '{{.Server.Arch}}' 2>/dev/null || true)"
    echo "linux/$(canonical_arch "${arch:-$(uname -m)}")"
}

platform="" tag="" base_image="" extra_ca="${LOWRANK_EXTRA_CA-}" use_ca=1 extra_args=()
[ -n "${LOWRANK_EXTRA_CA+set}" ] || extra_ca="${PIP_CERT:-${REQUESTS_CA_BUNDLE:-}}"
while [ $# -gt 0 ]; do
    case "$1" in
        --platform) platform="${2:?--platform needs a value}"; shift 2 ;;
        --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
        --base-image) base_image="${2:?--base-image needs a value}"; shift 2 ;;
        --extra-ca) extra_ca="${2:?--extra-ca needs a file}"; shift 2 ;;
        --no-extra-ca) use_ca=0; shift ;;
        --native-platform) native_platform; exit 0 ;;
        --) shift; extra_args=("$@"); break ;;
        *) die "unknown option '$1' (see the header of $0)" ;;
    esac
done

platform="${platform:-$(native_platform)}"
case "$platform" in
    linux/amd64 | linux/arm64) ;;
    *) die "unsupported platform '$platform' (use linux/amd64 or linux/arm64)" ;;
esac
arch="${platform#linux/}"
tag="${tag:-lowrank-anim:$arch}"

# The client: buildx wherever it exists, else a pre-23 client with BuildKit built in.
pick_client() {
    local candidates=() c path major
    if [ -n "${LOWRANK_DOCKER:-}" ]; then
        candidates=("$LOWRANK_DOCKER")
    else
        candidates=(docker /usr/bin/docker /usr/local/bin/docker)
    fi
    for c in "${candidates[@]}"; do
        path="$(command -v "$c" 2>/dev/null)" || continue
        if "$path" buildx version >/dev/null 2>&1; then
            echo "buildx $path"
            return
        fi
    done
    for c in "${candidates[@]}"; do
        path="$(command -v "$c" 2>/dev/null)" || continue
        major="$("$path" --version 2>/dev/null | sed -nE 's/^Docker version ([0-9]+)\..*/\1/p')"
        if [ -n "$major" ] && [ "$major" -lt 23 ]; then
            echo "classic $path"
            return
        fi
    done
    return 1
}
read -r mode client < <(pick_client) \
    || die "no Docker client here can build with BuildKit: install the buildx plugin" \
        "(docker-buildx-plugin, or Docker Desktop) or Debian's docker.io (apt-get install docker.io)"

"$client" info >/dev/null 2>&1 \
    || die "the Docker engine does not answer: start Docker Desktop, or run docker/start-engine.sh (Linux, root)"

engine_arch="$(canonical_arch "$("$client" version --format '{{.Server.Arch}}' 2>/dev/null || uname -m)")"
# Only checkable for a local engine on Linux (Docker Desktop brings its own emulation).
if [ "$arch" != "$engine_arch" ] && [ -z "${DOCKER_HOST:-}" ] && [ "$(uname -s)" = Linux ]; then
    qemu="$( [ "$arch" = arm64 ] && echo qemu-aarch64 || echo qemu-x86_64 )"
    grep -qs '^enabled' "/proc/sys/fs/binfmt_misc/$qemu" \
        || die "building $platform on a $engine_arch engine needs QEMU emulation: run" \
            "docker/seed-base.sh $arch (as root; registers $qemu) or apt-get install qemu-user-static binfmt-support"
fi

# The base image: present for this platform, else pulled, else seeded locally (no registry).
image_arch() { "$client" image inspect --format '{{.Architecture}}' "$1" 2>/dev/null || true; }
ensure_base() {
    local wanted="$1" arch="$2" seed_tag
    local platform="linux/$arch"
    [ "$(image_arch "$wanted")" = "$arch" ] && { echo "$wanted"; return; }
    local limit=()
    command -v timeout >/dev/null 2>&1 && limit=(timeout 300)  # macOS has no timeout(1)
    # Pull errors are noise here ("no such host" without a registry): the fallbacks follow.
    if ${limit[@]+"${limit[@]}"} "$client" pull --platform "$platform" "$wanted" 2>/dev/null >&2 \
        && [ "$(image_arch "$wanted")" = "$arch" ]; then
        echo "$wanted"
        return
    fi
    seed_tag="$( [ "$arch" = arm64 ] && echo lowrank-anim/base:bookworm-arm64 || echo debian:bookworm-slim )"
    if [ "$wanted" = debian:bookworm-slim ] || [ "$wanted" = "$seed_tag" ]; then
        [ "$(image_arch "$seed_tag")" = "$arch" ] && { echo "$seed_tag"; return; }
        if [ "$(uname -s)" = Linux ] && [ "$(id -u)" -eq 0 ]; then
            say "no registry reachable for $wanted ($arch): seeding $seed_tag with debootstrap"
            bash "$here/seed-base.sh" "$arch" >&2 || die "seeding the $arch base image failed"
            echo "$seed_tag"
            return
        fi
    fi
    die "base image $wanted ($arch) is neither local nor pullable; seed one as root with" \
        "docker/seed-base.sh $arch, or pass --base-image"
}
base_image="$(ensure_base "${base_image:-debian:bookworm-slim}" "$arch")"
# The builder and texmf stages run on the engine's own platform (no emulation): their base must
# exist for it too. Same Debian release; only the architecture differs.
build_base_image="$base_image"
[ "$arch" = "$engine_arch" ] || build_base_image="$(ensure_base debian:bookworm-slim "$engine_arch")"

args=(--platform "$platform" --tag "$tag" --build-arg "BASE_IMAGE=$base_image"
    --build-arg "BUILD_BASE_IMAGE=$build_base_image" --progress=plain)
network="${LOWRANK_BUILD_NETWORK-host}"
[ -n "$network" ] && args+=(--network "$network")
if [ "$use_ca" = 1 ] && [ -n "$extra_ca" ]; then
    [ -r "$extra_ca" ] || die "extra CA bundle '$extra_ca' is not a readable file"
    args+=(--secret "id=extra_ca,src=$extra_ca")
fi
# (The ${a[@]+...} form: macOS's bash 3.2 calls an empty array unbound under set -u.)
args+=(${extra_args[@]+"${extra_args[@]}"})

say "$mode build of $tag for $platform from $base_image ($client)"
start=$(date +%s)
if [ "$mode" = buildx ]; then
    "$client" buildx build --load "${args[@]}" "$context"
else
    DOCKER_BUILDKIT=1 "$client" build "${args[@]}" "$context"
fi
seconds=$(($(date +%s) - start))

got="$(image_arch "$tag")"
[ "$got" = "$arch" ] || die "$tag is labelled '$got', expected '$arch'"
echo "build-image: built $tag ($platform) in ${seconds}s"
