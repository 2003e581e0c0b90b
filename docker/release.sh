#!/usr/bin/env bash
# Publish lowrank-anim for linux/amd64 AND linux/arm64 under ONE tag (a manifest list), the way users
# pull images: `docker pull REGISTRY/lowrank-anim:TAG` then gives each machine its own architecture.
#
# Why this exists: a multi-platform `docker buildx build --platform a,b --push` needs the buildx plugin
# and a builder that can build several platforms, and neither exists with Debian's docker.io. So each
# architecture is built on its own with docker/build-image.sh (the same build `make image` runs, with
# the build-time architecture check), pushed as TAG-ARCH, then the two are joined under TAG:
#   * with buildx:    docker buildx imagetools create -t REPO:TAG REPO:TAG-amd64 REPO:TAG-arm64
#   * without buildx: docker manifest create + annotate + push (a client feature since Docker 20.10)
# Building the architecture that is not the engine's own runs under QEMU (docker/seed-base.sh sets it
# up as root on Linux); Docker Desktop brings its own emulation.
#
# Usage: docker/release.sh --registry HOST[:PORT][/NAMESPACE] [--tag TAG] [--name NAME]
#                          [--insecure] [-- build-image.sh options, e.g. --extra-ca FILE]
#   --registry   where to push: 127.0.0.1:5000, ghcr.io/OWNER, docker.io/USER (log in first)
#   --tag        the multi-architecture tag (default latest); TAG-amd64 and TAG-arm64 are pushed too
#   --name       the repository name (default lowrank-anim)
#   --insecure   the registry speaks plain HTTP (automatic for localhost, 127.0.0.1 and [::1])
# Prints `release: published REPO:TAG (linux/amd64, linux/arm64) DIGEST` at the end.
set -euo pipefail

die() { echo "release: $*" >&2; exit 1; }
say() { echo "release: $*" >&2; }

here="$(cd "$(dirname "$0")" && pwd)"
registry="" tag=latest name=lowrank-anim insecure=0 build_opts=()
while [ $# -gt 0 ]; do
    case "$1" in
        --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
        --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
        --name) name="${2:?--name needs a value}"; shift 2 ;;
        --insecure) insecure=1; shift ;;
        --) shift; build_opts=("$@"); break ;;
        *) die "unknown option '$1' (see the header of $0)" ;;
    esac
done
[ -n "$registry" ] || die "no registry: pass --registry HOST:PORT (make release REGISTRY=HOST:PORT)"
registry="${registry%/}"
# A tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; checked here so a typo fails before a long build.
printf '%s' "$tag" | grep -Eq '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' \
    || die "'$tag' is not a valid image tag (letters, digits, _ . -; at most 128)"
host="${registry%%/*}"
case "$host" in
    localhost | localhost:* | 127.0.0.1 | 127.0.0.1:* | "[::1]" | "[::1]:"*) insecure=1 ;;
esac
repo="$registry/$name"
docker="${LOWRANK_DOCKER:-docker}"
platforms=(linux/amd64 linux/arm64)

"$docker" info >/dev/null 2>&1 \
    || die "the Docker engine does not answer: start Docker Desktop, or run docker/start-engine.sh (Linux, root)"
if "$docker" buildx version >/dev/null 2>&1; then
    joiner=buildx
elif "$docker" manifest --help >/dev/null 2>&1; then
    joiner=manifest
else
    die "this Docker client has neither buildx nor 'docker manifest': install docker-buildx-plugin," \
        "or a client of Docker 20.10 or newer"
fi

start=$(date +%s)
arch_tags=()
for platform in "${platforms[@]}"; do
    arch="${platform#linux/}"
    say "building $repo:$tag-$arch ($platform)"
    bash "$here/build-image.sh" --platform "$platform" --tag "$repo:$tag-$arch" \
        ${build_opts[@]+"${build_opts[@]}"}
    say "pushing $repo:$tag-$arch"
    "$docker" push "$repo:$tag-$arch" >/dev/null \
        || die "docker push $repo:$tag-$arch failed (logged in? for GHCR: docker login ghcr.io)"
    arch_tags+=("$repo:$tag-$arch")
done

say "publishing the manifest list $repo:$tag with $joiner"
if [ "$joiner" = buildx ]; then
    "$docker" buildx imagetools create --tag "$repo:$tag" "${arch_tags[@]}" >&2
else
    flags=()
    [ "$insecure" = 1 ] && flags=(--insecure)
    # --amend: a list left in the client's store by an interrupted run is replaced, not an error.
    "$docker" manifest create ${flags[@]+"${flags[@]}"} --amend "$repo:$tag" "${arch_tags[@]}" >&2
    for platform in "${platforms[@]}"; do
        "$docker" manifest annotate --os linux --arch "${platform#linux/}" "$repo:$tag" \
            "$repo:$tag-${platform#linux/}"
    done
    # --purge: the local copy of the list is dropped, so the next release starts clean.
    digest="$("$docker" manifest push ${flags[@]+"${flags[@]}"} --purge "$repo:$tag")"
fi
if [ "$joiner" = buildx ]; then
    digest="$("$docker" buildx imagetools inspect --format '{{.Manifest.Digest}}' "$repo:$tag")"
fi
echo "release: published $repo:$tag (${platforms[*]}) $digest in $(($(date +%s) - start))s"
