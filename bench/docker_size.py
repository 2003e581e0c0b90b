"""Where an image's bytes are: per layer, per Debian package, per site-packages directory.

    python -m bench.docker_size lowrank-anim:amd64 [lowrank-anim:arm64 ...] [--top 12]

Prints, for each image, its size as `docker images` shows it (decimal MB), its layers (`docker
history`), the largest installed Debian packages (dpkg's Installed-Size, which still counts files
docker/slim-runtime.sh deleted) and the largest entries of the venv's site-packages (du). The
figures in BENCHMARKS.md ("Docker image size") come from this script; the budget itself is a test
(tests/docker/test_docker.py, tests/docker/test_docker_arm64.py). Sizes only: no time is
measured, so the machine's load does not matter here.
"""

from __future__ import annotations

import argparse
import subprocess

SITE = "/opt/venv/lib/python3*/site-packages"


def docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=900
    ).stdout


def in_image(image: str, script: str) -> str:
    # As root: du must read every directory.
    args = ("run", "--rm", "--network", "none", "--user", "0", "--entrypoint", "sh", image, "-c")
    return docker(*args, script)


def report(image: str, top: int) -> None:
    size, arch = docker(
        "image", "inspect", "--format", "{{.Size}} {{.Architecture}}", image
    ).split()
    print(f"## {image} (linux/{arch}): {int(size) / 1e6:.0f} MB")
    print("\nlayers (docker history), newest first, empty ones left out:")
    rows = docker("history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", image)
    layers = [r.split("\t", 1) for r in rows.splitlines() if not r.startswith("0B")]
    for layer_size, created in layers:
        step = " ".join(created.split())
        print(f"  {layer_size:>8}  {step[:110]}")
    print(f"\nDebian packages (dpkg Installed-Size), top {top}:")
    packages = in_image(
        image,
        "dpkg-query -W -f='${Installed-Size}\\t${Package}\\n' | sort -rn | head -n " + str(top),
    )
    for line in packages.splitlines():
        kib, name = line.split("\t")
        print(f"  {int(kib) / 1024:6.1f} MB  {name}")
    print(f"\nsite-packages (du), top {top}, then whole trees:")
    listing = in_image(image, f"cd {SITE} && du -sk * | sort -rn | head -n {top}")
    listing += in_image(image, "du -sk /opt/venv /usr /var")
    for line in listing.splitlines():
        kib, name = line.split("\t")
        print(f"  {int(kib) / 1024:6.1f} MB  {name}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    for image in args.images:
        report(image, args.top)


if __name__ == "__main__":
    main()
