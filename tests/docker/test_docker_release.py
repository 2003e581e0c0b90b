"""`make release`, for real: both architectures pushed to a real registry under ONE tag.

A registry (Debian's docker-registry, installed by scripts/system-deps.sh test) is started on
127.0.0.1 for this module. `make release REGISTRY=127.0.0.1:PORT TAG=…` builds linux/amd64 and
linux/arm64 (reusing the layers tests/docker/test_docker.py and tests/docker/test_docker_arm64.py
built), pushes both and a manifest list. The test then pulls that one tag with --platform
linux/amd64 and linux/arm64, as users do, checks each image's architecture and renders one scene
from each (arm64 under QEMU). Part of every `make test`; with CI=true nothing here skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.docker_harness import (
    calling_user,
    extra_ca_with_marker,
    render_locked_down,
    require_arm64,
    require_engine,
    skip_or_fail,
    writable_media_dir,
)

pytestmark = [pytest.mark.docker, pytest.mark.arm64]

ARCHES = ("amd64", "arm64")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """HOST:PORT of a real, empty registry on 127.0.0.1, storing into a temporary directory."""
    binary = shutil.which("docker-registry")
    if binary is None:
        skip_or_fail("no docker-registry here: bash scripts/system-deps.sh test")
    tmp = tmp_path_factory.mktemp("registry")
    address = f"127.0.0.1:{free_port()}"
    config = tmp / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp / 'data'}\n"
        f"http:\n  addr: {address}\n",
        encoding="utf-8",
    )
    log = (tmp / "registry.log").open("w")
    proc = subprocess.Popen([str(binary), "serve", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"docker-registry did not start: {(tmp / 'registry.log').read_text()}"
                    )
                time.sleep(0.2)
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def docker(client: str, *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [client, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"docker {' '.join(args)}:\n{result.stderr[-2000:]}"
    return result.stdout


def test_release_publishes_one_tag_that_pulls_and_renders_on_both_architectures(
    registry: str, tmp_path: Path
) -> None:
    client = require_engine()
    require_arm64(client)
    tag = f"test-{uuid.uuid4().hex[:8]}"
    repo = f"{registry}/lowrank-anim"
    extra_ca = extra_ca_with_marker(tmp_path / "extra-ca.crt", "release test")
    env = {**os.environ, "LOWRANK_EXTRA_CA": str(extra_ca)}
    release = subprocess.run(
        ["make", "--no-print-directory", "release", f"REGISTRY={registry}", f"TAG={tag}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=3 * 3600, check=False,
    )  # fmt: skip
    assert release.returncode == 0, release.stdout[-3000:] + release.stderr[-3000:]
    last = release.stdout.strip().splitlines()[-1]
    print(f"\n{last}")
    published = rf"release: published {re.escape(repo)}:{tag} \(linux/amd64 linux/arm64\) "
    assert re.fullmatch(published + r"sha256:[0-9a-f]{64} in \d+s", last), last

    # The registry serves one manifest list naming one image per architecture; -v adds each
    # image's config digest, which is the image ID a pull of that platform must produce.
    listed = json.loads(docker(client, "manifest", "inspect", "--insecure", "-v", f"{repo}:{tag}"))
    entries = listed if isinstance(listed, list) else [listed]
    image_ids = {
        e["Descriptor"]["platform"]["architecture"]: e["SchemaV2Manifest"]["config"]["digest"]
        for e in entries
    }
    assert sorted(image_ids) == sorted(ARCHES)
    assert all(e["Descriptor"]["platform"]["os"] == "linux" for e in entries)

    # Forget the local tags, so what runs below is what the registry hands out for each platform.
    for name in (f"{repo}:{tag}", *(f"{repo}:{tag}-{a}" for a in ARCHES)):
        subprocess.run([client, "rmi", name], capture_output=True, timeout=120, check=False)
    uid, gid = calling_user()
    try:
        for arch in ARCHES:
            docker(client, "pull", "--platform", f"linux/{arch}", f"{repo}:{tag}")
            fmt = "{{.Os}}/{{.Architecture}} {{.Id}}"
            labelled, image_id = docker(
                client, "image", "inspect", "--format", fmt, f"{repo}:{tag}"
            ).split()
            assert labelled == f"linux/{arch}"
            assert image_id == image_ids[arch], f"the {arch} pull is not the image pushed for it"
            media = writable_media_dir(tmp_path / f"media-{arch}", uid, gid)
            render_locked_down(
                client, f"{repo}:{tag}", media, "TitleCard", user=f"{uid}:{gid}", timeout=3600
            )
    finally:
        subprocess.run(
            [client, "rmi", f"{repo}:{tag}"], capture_output=True, timeout=120, check=False
        )
