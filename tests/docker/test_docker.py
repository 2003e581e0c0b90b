"""The Docker image, for real: built with BuildKit for the engine's own platform, checked for its
architecture at build time, run locked down, and rebuilt after a scene edit from cached layers.

Mandatory in CI (CI=true: no engine is a failure); elsewhere skipped only when no engine can run.
One cold build and one rebuild, to fit CI's budget; the arm64 image is
tests/docker/test_docker_arm64.py, the multi-architecture release
tests/docker/test_docker_release.py.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from lowrank_anim.pipeline import farm
from tests.dask_harness import Cluster, wait_for_workers
from tests.docker_harness import (
    LOCKED_DOWN,
    SIZE_BUDGET_MB,
    BuildLog,
    build,
    calling_user,
    copy_context,
    engine_arch,
    extra_ca_with_marker,
    image_files_containing,
    image_size_mb,
    render_locked_down,
    require_engine,
    writable_media_dir,
)

pytestmark = pytest.mark.docker

SCENE_FILE = Path("scenes") / "rank_one.py"
#: Steps that must come from the cache when only a scene changed (substrings of BuildKit's names).
DEPENDENCY_STEPS = (
    "build-essential",  # the builder's apt-get
    "apt-get download texlive-latex-extra",
    "sh /tmp/build-venv.sh",  # the venv from the lock (natively, cross-compiling if need be)
    "texlive-latex-base preview-latex-style",  # the runtime's apt-get
    "slim-venv.sh",  # what a Cairo render never loads, dropped from the venv
    "COPY --from=builder /opt/venv",
)


@dataclass
class Built:
    client: str
    platform: str
    tag: str
    context: Path
    first: BuildLog
    marker: str


def edit_scene(context: Path, note: str) -> None:
    """Change a scene's content (a comment): what a user editing a scene does to the context."""
    path = context / SCENE_FILE
    path.write_text(path.read_text(encoding="utf-8") + f"\n# {note}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    client = require_engine()
    platform = f"linux/{engine_arch(client)}"
    tmp = tmp_path_factory.mktemp("docker")
    context = copy_context(tmp / "context")
    # A unique edit so this build really runs our layers (and the architecture check) even on an
    # engine whose cache already holds this source.
    edit_scene(context, f"test build {uuid.uuid4()}")
    marker = f"lowrank-extra-ca-marker-{uuid.uuid4()}"
    extra_ca = extra_ca_with_marker(tmp / "extra-ca.crt", marker)
    tag = f"lowrank-anim-test:{platform.rsplit('/', 1)[1]}"
    first = build(context, platform=platform, tag=tag, extra_ca=extra_ca)
    return Built(client, platform, tag, context, first, marker)


def test_build_checks_every_binary_is_of_the_target_architecture(built: Built) -> None:
    found = built.first.archcheck()
    assert found is not None, f"no archcheck summary in the build log:\n{built.first.text[-3000:]}"
    count, arch = found
    assert arch == built.platform.rsplit("/", 1)[1]
    # numpy, scipy, av's ffmpeg, cairo, pango bindings...: hundreds, not a handful.
    assert count > 100


def test_the_same_check_fails_for_the_other_architecture(built: Built) -> None:
    # The build-time check can fail: asked about the wrong architecture, it rejects every binary.
    other = "arm64" if built.platform.endswith("amd64") else "amd64"
    result = subprocess.run(
        [built.client, "run", "--rm", "--network", "none", "--entrypoint", "python", built.tag,
         "-m", "lowrank_anim.health.archcheck", "--expect", other, "/opt/venv",
         "/usr/bin/python3.11"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    last = result.stdout.strip().splitlines()[-1]
    assert re.match(rf"archcheck: (\d+) of \1 native binaries are not {other};", last), last


def test_image_is_labelled_for_its_platform_and_runs_as_non_root(built: Built) -> None:
    fmt = "{{.Os}}/{{.Architecture}} {{.Config.User}} {{.Config.WorkingDir}} {{.Config.Entrypoint}}"
    out = subprocess.run(
        [built.client, "image", "inspect", "--format", fmt, built.tag],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert out[0] == built.platform
    assert out[1] == "1000:1000"
    assert out[2] == "/app"
    assert out[3] == "[lowrank-anim]"


def test_image_is_within_the_size_budget(built: Built) -> None:
    # MathTex included: the render below compiles TeX in this very image.
    size = image_size_mb(built.client, built.tag)
    assert size <= SIZE_BUDGET_MB, (
        f"{built.tag} is {size:.0f} MB, over the {SIZE_BUDGET_MB} MB budget"
    )


def test_locked_down_render_prints_host_paths_and_writes_files_owned_by_the_caller(
    built: Built, tmp_path: Path
) -> None:
    # RankOneUpdate has MathTex labels and Text: latex, dvisvgm and fonts all run in the image.
    uid, gid = calling_user()
    media = writable_media_dir(tmp_path / "media", uid, gid)
    video = render_locked_down(built.client, built.tag, media, "RankOneUpdate", user=f"{uid}:{gid}")
    assert video.with_suffix(".srt").is_file()
    for path in [media, *media.rglob("*")]:
        st = path.stat()
        assert (st.st_uid, st.st_gid) == (uid, gid), f"{path} is owned by {st.st_uid}:{st.st_gid}"
    assert not [p for p in media.rglob(".render-*")], "a scratch directory was left behind"


def test_unwritable_media_mount_is_one_line_error(built: Built, tmp_path: Path) -> None:
    # Without a media mount, /app/media is on the read-only root filesystem.
    result = subprocess.run(
        [built.client, "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp",
         "--user", "1234:1234", built.tag, "render", "RankOneUpdate"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot write to output directory 'media'")
    assert "Traceback" not in result.stderr


def test_extra_ca_secret_never_lands_in_a_layer(built: Built) -> None:
    if built.first.was_cached("sh /tmp/build-venv.sh"):
        pytest.skip(
            "the dependency layer came from the engine's cache, so this build never mounted the "
            "secret; a fresh engine (as in CI) runs the check"
        )
    assert "pip: trusting the extra_ca secret" in built.first.text
    leaks = list(image_files_containing(built.client, built.tag, built.marker.encode()))
    assert leaks == []


def test_editing_a_scene_reuses_the_dependency_layers(built: Built) -> None:
    edit_scene(built.context, f"second build {uuid.uuid4()}")
    second = build(built.context, platform=built.platform, tag=built.tag, extra_ca=None)
    for step in DEPENDENCY_STEPS:
        assert second.was_cached(step), f"rebuilt after a scene edit: {step}"
    assert not second.was_cached("COPY scenes /src/scenes"), "the edited scene was not copied"
    assert second.archcheck() is not None, "the architecture check did not run on the rebuild"
    print(f"\ncold/first build {built.first.seconds:.0f}s, rebuild after a scene edit "
          f"{second.seconds:.0f}s")  # fmt: skip


# The image as a Dask worker (docs/farm.md) ------------------------------------------------------

ON_HOST_NETWORK = tuple(
    "host" if flag == "none" else flag for flag in LOCKED_DOWN
)  # the worker must reach the scheduler; everything else stays locked down


def test_the_image_serves_renders_as_a_dask_worker(built: Built, tmp_path: Path) -> None:
    """A scheduler on this machine, the image as its worker and as the client: the render that
    comes back is byte for byte what the image renders alone; and this checkout's client, whose
    project source differs from the image's (the test build edits a scene), is refused."""
    uid, gid = calling_user()
    cluster = Cluster(tmp_path)
    worker = f"lowrank-worker-{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(
            [built.client, "run", "-d", "--rm", "--name", worker, *ON_HOST_NETWORK,
             "--user", f"{uid}:{gid}", built.tag, "worker", cluster.address, "--name", "image",
             "--no-dashboard", "--host", "127.0.0.1", "--local-directory", "/tmp"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        wait_for_workers(cluster.address, 1)
        outputs = {}
        for name, extra in (("farmed", ["--scheduler", cluster.address]), ("alone", [])):
            media = writable_media_dir(tmp_path / name, uid, gid)
            done = subprocess.run(
                [built.client, "run", "--rm", *ON_HOST_NETWORK, "--user", f"{uid}:{gid}",
                 "--volume", f"{media}:{media}", built.tag, "render", "TitleCard", "-f", "png",
                 "-o", str(media), *extra],
                capture_output=True, text=True, timeout=900, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr[-3000:]
            outputs[name] = Path(done.stdout.strip().splitlines()[-1])
        assert outputs["farmed"].read_bytes() == outputs["alone"].read_bytes()

        refused = pytest.raises(farm.FarmError, match=r"project source \w+ here, \w+ there")
        with refused, farm.farm(cluster.address):
            pass
    finally:
        subprocess.run([built.client, "rm", "-f", worker], capture_output=True, timeout=120)
        cluster.close()
