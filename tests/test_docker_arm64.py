"""The linux/arm64 image, built and run under QEMU on an x86-64 machine (opt-in: make test-arm64).

Slow (about 45 minutes cold on 2 cores: under emulation moderngl and glcontext compile from
source), so it is skipped unless LOWRANK_TEST_ARM64=1, which `make test-arm64` sets. It builds FROM
the arm64 base seeded by docker/seed-base.sh (there is no registry), proves the build-time
architecture check passed for arm64, and renders one scene in the arm64 container.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.docker_harness import (
    build,
    calling_user,
    copy_context,
    extra_ca_with_marker,
    require_engine,
    run_locked_down,
    writable_media_dir,
)
from tests.media_probe import probe

pytestmark = [
    pytest.mark.docker,
    pytest.mark.arm64,
    pytest.mark.skipif(
        os.environ.get("LOWRANK_TEST_ARM64") != "1",
        reason="opt-in: `make test-arm64` builds the linux/arm64 image under QEMU (~45 min cold)",
    ),
]

ARM64_BASE = "lowrank-anim/base:bookworm-arm64"
TAG = "lowrank-anim-test:arm64"


def test_arm64_image_builds_checks_its_binaries_and_renders(tmp_path: Path) -> None:
    client = require_engine()
    # Seeding also (re)registers the qemu-aarch64 binfmt handler, lost at every reboot.
    seeded = subprocess.run(
        ["bash", str(Path(__file__).resolve().parent.parent / "docker" / "seed-base.sh"), "arm64"],
        capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr[-2000:]

    context = copy_context(tmp_path / "context")
    extra_ca = extra_ca_with_marker(tmp_path / "extra-ca.crt", "arm64 test")
    log = build(
        context, platform="linux/arm64", tag=TAG, base_image=ARM64_BASE, extra_ca=extra_ca,
        timeout=4 * 3600,
    )  # fmt: skip
    found = log.archcheck()
    assert found is not None, f"no archcheck summary in the build log:\n{log.text[-3000:]}"
    assert found[1] == "arm64"
    print(f"\n{log.text.strip().splitlines()[-1]}; archcheck: {found[0]} binaries, all arm64")

    arch = subprocess.run(
        [client, "image", "inspect", "--format", "{{.Architecture}}", TAG],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert arch == "arm64"
    machine = subprocess.run(
        [client, "run", "--rm", "--network", "none", "--entrypoint", "uname", TAG, "-m"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout.strip()  # fmt: skip
    assert machine == "aarch64"

    uid, gid = calling_user()
    media = writable_media_dir(tmp_path / "media", uid, gid)
    result = run_locked_down(
        client, TAG, media, ["render", "RankOneUpdate", "-q", "low"], user=f"{uid}:{gid}",
        timeout=3600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    video = media / "RankOneUpdate" / "480p15" / "RankOneUpdate.mp4"
    info = probe(video)
    assert (info.codec, info.width, info.height) == ("h264", 854, 480)
    assert info.duration > 0
    assert video.stat().st_uid == uid
