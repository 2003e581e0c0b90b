"""The linux/arm64 image (the author's Mac's architecture), built and run under QEMU on x86-64.

Part of every `make test` (issue 14; `make test-arm64` runs only these and the release): on a root
Linux machine docker/seed-base.sh sets up the emulation and seeds the arm64 base (there is no
registry). Only the runtime stage runs under QEMU (the venv is cross-built natively); a cold build
takes about 13 min on 2 cores, seconds when only our code changed. It proves the build-time
architecture check passed for arm64, keeps the size budget, and renders one scene in the arm64
container. LOWRANK_TEST_ARM64=0 skips it outside CI; under CI=true nothing here skips.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docker_harness import (
    SIZE_BUDGET_MB,
    BuildLog,
    build,
    calling_user,
    copy_context,
    extra_ca_with_marker,
    image_size_mb,
    render_locked_down,
    require_arm64,
    require_engine,
    writable_media_dir,
)

pytestmark = [pytest.mark.docker, pytest.mark.arm64]

TAG = "lowrank-anim-test:arm64"


@dataclass
class Built:
    client: str
    log: BuildLog


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    client = require_engine()
    base = require_arm64(client)
    tmp = tmp_path_factory.mktemp("arm64")
    # The repository's source as it is: the layers are shared with `make release`'s arm64 build.
    context = copy_context(tmp / "context")
    extra_ca = extra_ca_with_marker(tmp / "extra-ca.crt", "arm64 test")
    log = build(
        context, platform="linux/arm64", tag=TAG, base_image=base, extra_ca=extra_ca,
        timeout=3 * 3600,
    )  # fmt: skip
    print(f"\n{log.text.strip().splitlines()[-1]}")
    return Built(client, log)


def test_arm64_build_checks_every_binary_is_arm64(built: Built) -> None:
    found = built.log.archcheck()
    if found is None and built.log.was_cached("lowrank_anim.health.archcheck"):
        # The image came whole from the build cache (its check ran when it was built): run the
        # same check in the image itself.
        run = subprocess.run(
            [built.client, "run", "--rm", "--network", "none", "--entrypoint", "python", TAG,
             "-m", "lowrank_anim.health.archcheck", "--expect", "arm64",
             "/opt/venv", "/usr/bin/python3.11"],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        found = BuildLog(run.stdout, 0).archcheck()
    assert found is not None, f"no archcheck summary in the build log:\n{built.log.text[-3000:]}"
    count, arch = found
    assert arch == "arm64"
    assert count > 100


def test_arm64_image_is_labelled_and_runs_as_aarch64(built: Built) -> None:
    arch = subprocess.run(
        [built.client, "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", TAG],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert arch == "linux/arm64"
    machine = subprocess.run(
        [built.client, "run", "--rm", "--network", "none", "--entrypoint", "uname", TAG, "-m"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout.strip()  # fmt: skip
    assert machine == "aarch64"


def test_arm64_image_is_within_the_size_budget(built: Built) -> None:
    size = image_size_mb(built.client, TAG)
    assert size <= SIZE_BUDGET_MB, f"{TAG} is {size:.0f} MB, over the {SIZE_BUDGET_MB} MB budget"


def test_arm64_locked_down_render(built: Built, tmp_path: Path) -> None:
    # RankOneUpdate has MathTex labels: latex and dvisvgm run as arm64 binaries too.
    uid, gid = calling_user()
    media = writable_media_dir(tmp_path / "media", uid, gid)
    video = render_locked_down(
        built.client, TAG, media, "RankOneUpdate", user=f"{uid}:{gid}", timeout=3600
    )
    assert video.stat().st_uid == uid
