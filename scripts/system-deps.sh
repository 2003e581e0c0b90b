#!/usr/bin/env bash
# Install the Debian/Ubuntu packages lowrank-anim needs, only those that are missing.
#   scripts/system-deps.sh render   # build + render: compilers, cairo/pango headers, LaTeX, ffmpeg
#   scripts/system-deps.sh test     # render + what the tests drive: Chromium, chromedriver, Docker,
#                                   # QEMU user emulation (the linux/arm64 image), a local registry,
#                                   # and the Jekyll and Hugo blog engines
#   scripts/system-deps.sh arm64    # the same as test (kept for older instructions)
# Runs apt-get as root, or through sudo otherwise. Safe to run again: it only installs what dpkg lacks.
set -euo pipefail

render_pkgs=(
  build-essential pkg-config libcairo2-dev libpango1.0-dev
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm
  ffmpeg fonts-dejavu-core
)
# qemu-user-static + binfmt-support build and run the linux/arm64 image on x86-64 (tests/docker/test_docker_arm64.py);
# docker-registry is the real registry `make release` publishes to in tests/docker/test_docker_release.py;
# jekyll and hugo build real blog sites around an exported clip in tests/web/test_blog_engines.py;
# nodejs and npm install axe-core (package-lock.json, `make node-deps`) for tests/web/test_explorable.py.
test_pkgs=(chromium chromium-driver docker.io debootstrap qemu-user-static binfmt-support docker-registry
  jekyll hugo nodejs npm)

want=("${render_pkgs[@]}")
case "${1:-render}" in
  render) ;;
  test | arm64) want+=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 [render|test|arm64]" >&2; exit 2 ;;
esac
# apt exists only on Debian and Ubuntu; on a Mac (or any other system) the container is the set-up.
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "system-deps: no apt-get here ($(uname -s)): on a Mac, render with Docker instead: make docker-render" >&2
  exit 1
fi
# A Python without venv or headers (Debian's own) needs its -venv and -dev packages too.
py=${PYTHON:-python3}
if ! "$py" -c 'import ensurepip, venv' 2>/dev/null; then want+=(python3-venv); fi
if ! "$py" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
  want+=(python3-dev)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Docker may come from elsewhere (Docker Desktop, docker-ce): a working client is enough.
if [[ " ${missing[*]} " == *" docker.io "* ]] && command -v dockerd >/dev/null; then
  missing=("${missing[@]/docker.io}")
fi
# NodeSource's nodejs carries its own npm (and conflicts with Debian's): a working npm is enough.
if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
if ((${#missing[@]} == 0)); then
  echo "system-deps: all ${#want[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "system-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "system-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
