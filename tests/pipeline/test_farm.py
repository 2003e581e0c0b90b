"""lowrank_anim.pipeline.farm on real Dask: an embedded LocalCluster, and a scheduler with workers
started with the ``dask`` command on 127.0.0.1, as a user would start them on other machines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from lowrank_anim.maths.palette import DEFAULT_THEME
from lowrank_anim.pipeline import farm, texstore
from lowrank_anim.pipeline.farm import FarmError, Task
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.pipeline.workers import job_for
from lowrank_anim.registry import get_scene
from tests import batch_scenes
from tests.conftest import ROOT
from tests.dask_harness import Cluster, free_port, wait_for_workers
from tests.dask_harness import cluster as cluster  # the fixture

STILL = "TitleCard/480p15/TitleCard.png"


def still_task(key: str, theme: str = DEFAULT_THEME) -> Task:
    """A real render, small and quick: the title card's last frame at 480p, as the job a
    batch makes (its output folder is the client's: the worker renders into its own)."""
    request = RenderRequest(get_scene("TitleCard"), quality="low", fmt="png", theme=theme)
    return Task(key=key, work=job_for(request, Path("/nonexistent/client/folder")))


def broken_task(key: str) -> Task:
    request = RenderRequest(batch_scenes.spec("BrokenScene"), fmt="png")
    return Task(key=key, work=job_for(request, Path("/nonexistent/client/folder")))


@pytest.fixture(scope="module")
def local_still(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The same render made here without Dask: what every farm result must equal."""
    out = tmp_path_factory.mktemp("local")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "render.py"),
            "render",
            "TitleCard",
            "-q",
            "low",
            "-f",
            "png",
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return (out / STILL).read_bytes()


# Pure parts ------------------------------------------------------------------------------------


def test_the_scheduler_comes_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(farm.SCHEDULER_ENV, raising=False)
    assert farm.scheduler_address(None) is None
    monkeypatch.setenv(farm.SCHEDULER_ENV, "tcp://10.0.0.5:8786")
    assert farm.scheduler_address(None) == "tcp://10.0.0.5:8786"
    assert farm.scheduler_address("tcp://127.0.0.1:1") == "tcp://127.0.0.1:1"
    with pytest.raises(FarmError, match=r"give tcp://HOST:PORT"):
        farm.scheduler_address("10.0.0.5:8786")


def test_differences_name_each_version_that_differs() -> None:
    mine = {"manim": "0.22.0", "numpy": "2.0", "cairo library": "1.16.0"}
    theirs = {"manim": "0.18.0", "numpy": "2.0"}
    assert farm.differences(mine, theirs) == [
        "cairo library 1.16.0 here, absent there",
        "manim 0.22.0 here, 0.18.0 there",
    ]
    assert farm.differences(mine, dict(mine)) == []


def test_the_fingerprint_names_what_changes_pixels() -> None:
    found = farm.fingerprint()
    assert found["manim"] == "0.22.0"
    for name in ("cairo library", "pango library", "ffmpeg libraries", "project source"):
        assert found[name], name
        assert "unloadable" not in found[name], name


@pytest.mark.render  # local_still renders TitleCard, whose text needs LaTeX
def test_a_task_runs_in_a_fresh_process_and_returns_bytes(
    local_still: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the worker's store goes
    monkeypatch.delenv(texstore.STORE_ENV)  # the machine's store, not the test run's
    assert farm.run_task(still_task("here")) == {STILL: local_still}
    [store] = tmp_path.glob("lowrank-farm-store-*")
    kept = sorted(p.name for p in store.rglob("*.svg"))
    assert kept, "the title's text SVGs are kept for the next task on this machine"
    assert [p.name for p in tmp_path.iterdir()] == [store.name], "the task's scratch is gone"


def test_a_failing_task_says_its_error_in_one_line() -> None:
    with pytest.raises(farm.TaskError, match=r"^nope: RuntimeError: deliberately broken"):
        farm.run_task(broken_task("nope"))


# The embedded LocalCluster ---------------------------------------------------------------------


@pytest.mark.render
def test_the_embedded_cluster_renders_what_a_local_render_makes(local_still: bytes) -> None:
    seen: list[str] = []
    with farm.farm(workers=2) as running:
        assert running.cluster is not None
        assert len(running.client.scheduler_info()["workers"]) == 2
        found = running.run(
            [still_task("a"), still_task("b", "light")],
            on_done=lambda task, _files: seen.append(task.key),
        )
    assert sorted(seen) == ["a", "b"]
    assert found["a"] == {STILL: local_still}
    [(light, picture)] = found["b"].items()
    assert light != STILL, "a variant has a folder of its own"
    assert picture != local_still, "the light theme is another picture"


def test_a_task_that_keeps_failing_ends_the_run_with_one_line() -> None:
    with farm.farm(workers=1) as running, pytest.raises(FarmError) as caught:
        running.run([broken_task("bad")], retries=1)
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        "bad: RuntimeError: deliberately broken for the batch tests (after 2 attempts)"
    )


# A real scheduler and workers started with the dask command -----------------------------------


@pytest.mark.render
def test_a_scheduler_and_two_workers_render_what_a_local_render_makes(
    cluster: Cluster, local_still: bytes
) -> None:
    cluster.worker("w1")
    cluster.worker("w2")
    wait_for_workers(cluster.address, 2)
    with farm.farm(cluster.address) as running:
        assert running.check_versions() == 2
        found = running.run([still_task(f"t{i}") for i in range(4)])
    assert found == {f"t{i}": {STILL: local_still} for i in range(4)}


@pytest.mark.render
def test_a_worker_killed_mid_task_is_replaced_and_the_result_is_the_same(
    cluster: Cluster, local_still: bytes
) -> None:
    cluster.worker("w1")
    cluster.worker("w2")
    wait_for_workers(cluster.address, 2)
    with farm.farm(cluster.address) as running:
        client = running.client
        names = {addr: info["name"] for addr, info in client.scheduler_info()["workers"].items()}
        future = client.submit(farm.run_task, still_task("victim"), pure=False, retries=0)
        deadline = time.monotonic() + 120
        busy: list[str] = []
        while not busy and time.monotonic() < deadline:
            busy = [addr for addr, keys in client.processing().items() if future.key in keys]
            time.sleep(0.05)
        assert busy, "the task never started"
        time.sleep(1.0)  # inside the render's subprocess by now
        cluster.kill(names[busy[0]])
        assert future.result(timeout=600) == {STILL: local_still}


def test_a_worker_with_another_manim_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    """The worker's Python reports manim 0.18.0 (a dist-info first on its path), as a worker
    built from an older lock would: the farm refuses it before any work starts."""
    other = tmp_path / "older-manim"
    meta = other / "manim-0.18.0.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: manim\nVersion: 0.18.0\n")
    cluster.worker("old", env={"PYTHONPATH": str(other)})
    wait_for_workers(cluster.address, 1)
    with pytest.raises(FarmError) as caught, farm.farm(cluster.address):
        pytest.fail("an older manim was accepted")
    message = str(caught.value)
    assert "\n" not in message
    assert "manim 0.22.0 here, 0.18.0 there" in message
    assert message.endswith("run every worker from the same image or lock as this machine")


def test_no_scheduler_at_the_address_is_one_line() -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    expected = r"^no Dask scheduler answers at tcp://127\.0\.0\.1:\d+ "
    with pytest.raises(FarmError, match=expected), farm.farm(address, connect_seconds=3):
        pass


def test_a_scheduler_without_workers_names_the_command_that_starts_one(cluster: Cluster) -> None:
    wait_for_workers(cluster.address, 0)
    expected = r"has no workers: start one with `render\.py worker tcp://"
    with pytest.raises(FarmError, match=expected), farm.farm(cluster.address, connect_seconds=3):
        pass


# render.py render --scheduler --------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


AWKWARD = ("--set", "x=0.1,0.7", "--set", "W=1.25,-0.3;0.2,0.9", "--set", "u=0.333333333333,1")


def test_farm_tasks_carry_jobs_not_command_lines() -> None:
    """The farm sends the job itself: a renamed flag cannot break it, and farm.py spells no
    flag of the command line at all (its messages name what to do without one)."""
    source = (ROOT / "lowrank_anim" / "pipeline" / "farm.py").read_text("utf-8")
    spelled = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", source))
    assert not spelled, spelled
    assert "lowrank_anim.cli" not in source
    assert "subprocess" not in source


@pytest.mark.render
def test_render_with_a_scheduler_publishes_and_records_what_a_local_render_makes(
    cluster: Cluster, tmp_path: Path
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    local = cli("render", "RankOneUpdate", "-f", "png", *AWKWARD, "-o", str(here))
    assert local.returncode == 0, local.stderr
    cluster.worker("w1")
    wait_for_workers(cluster.address, 1)
    done = cli("render", "RankOneUpdate", "-f", "png", *AWKWARD, "-o", str(there),
               env={farm.SCHEDULER_ENV: cluster.address})  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = Path(done.stdout.strip())
    assert made == there / Path(local.stdout.strip()).relative_to(here)
    assert made.read_bytes() == Path(local.stdout.strip()).read_bytes()
    assert (
        made.with_suffix(".params.json").read_text()
        == Path(local.stdout.strip()).with_suffix(".params.json").read_text()
    )
    assert not list(there.rglob(".render-*")), "no scratch folder is left"
    stamp = made.stat().st_mtime_ns
    again = cli("render", "RankOneUpdate", "-f", "png", *AWKWARD, "-o", str(there))
    assert again.returncode == 0, again.stderr
    assert Path(again.stdout.strip()) == made
    assert made.stat().st_mtime_ns == stamp, "recorded in the manifest: the next render is a hit"


def test_render_with_no_scheduler_there_is_one_line(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    done = cli("render", "TitleCard", "-o", str(tmp_path), "--scheduler", address)
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: no Dask scheduler answers at {address}")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not any(tmp_path.rglob("*.mp4"))


@pytest.mark.render
def test_render_py_worker_serves_a_scheduler(cluster: Cluster, local_still: bytes) -> None:
    """The form the image runs (`docker run IMAGE worker ADDRESS`): our CLI starts the worker."""
    cluster.start("ours", [sys.executable, str(ROOT / "render.py"), "worker", cluster.address,
                           "--name", "ours", "--no-dashboard"])  # fmt: skip
    wait_for_workers(cluster.address, 1)
    with farm.farm(cluster.address) as running:
        info = running.client.scheduler_info()["workers"]
        assert [w["name"] for w in info.values()] == ["ours"]
        assert [w["nthreads"] for w in info.values()] == [1]
        assert running.run([still_task("t")]) == {"t": {STILL: local_still}}


def test_render_py_worker_refuses_a_bare_host() -> None:
    done = cli("worker", "127.0.0.1:8786")
    assert done.returncode == 2
    assert "is not tcp://HOST:PORT" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# One scene's chunks on the cluster ---------------------------------------------------------------


def chunk_prefixes(address: str) -> list[str]:
    """The task prefixes the scheduler has seen that are chunks of a render."""
    from distributed import Client

    def prefixes(dask_scheduler: object) -> list[str]:
        return sorted(getattr(dask_scheduler, "task_prefixes", {}))

    with Client(address, timeout=60) as client:
        seen: list[str] = client.run_on_scheduler(prefixes)
    return [p for p in seen if p.startswith("lowrank-chunk-")]


@pytest.mark.render
def test_a_chunked_render_with_a_scheduler_is_the_local_render_byte_for_byte(
    cluster: Cluster, tmp_path: Path
) -> None:
    """``--chunks 2 --scheduler``: each chunk is a task on a worker (the chunk task of a local
    chunked render), joined here into the same mp4, sections and captions as a local render in
    one piece."""
    here, there = tmp_path / "here", tmp_path / "there"
    options = ("-q", "low", "--sections", *AWKWARD[:2])
    local = cli("render", "RankOneUpdate", *options, "-o", str(here))
    assert local.returncode == 0, local.stderr
    cluster.worker("w1")
    cluster.worker("w2")
    wait_for_workers(cluster.address, 2)
    done = cli("render", "RankOneUpdate", *options, "--chunks", "2", "-o", str(there),
               "--scheduler", cluster.address)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert chunk_prefixes(cluster.address) == ["lowrank-chunk-RankOneUpdate"]
    made, whole = Path(done.stdout.strip()), Path(local.stdout.strip())
    assert made == there / whole.relative_to(here)
    ours = {p.relative_to(there): p.read_bytes() for p in there.rglob("*") if p.is_file()}
    theirs = {p.relative_to(here): p.read_bytes() for p in here.rglob("*") if p.is_file()}
    # The manifest records when each file was made; everything else must be the same bytes.
    clips = {n for n in theirs if not str(n).startswith(".") and n.name != "manifest.json"}
    assert clips, "the local render made files"
    assert {name: ours.get(name) for name in clips} == {name: theirs[name] for name in clips}
    assert any(".sections" in str(name) for name in clips)
    assert not list(there.rglob(".render-*")), "no scratch folder is left"


def test_a_lone_scene_on_a_cluster_is_cut_as_asked_or_per_worker_where_it_pays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowrank_anim.pipeline import chunks
    from lowrank_anim.pipeline.batch import farm_chunks
    from lowrank_anim.pipeline.request import RenderRequest
    from tests import batch_scenes

    monkeypatch.setattr(chunks, "other_load", lambda: 0.0)  # not the test suite's load
    scene = batch_scenes.spec("CheapReplay")
    assert farm_chunks(RenderRequest(scene, "low"), 3, tmp_path) == 3
    assert farm_chunks(RenderRequest(scene, "low"), None, tmp_path) == 1  # 480p: whole
    assert farm_chunks(RenderRequest(scene, "high"), None, tmp_path) is None  # one per thread
    assert farm_chunks(RenderRequest(scene, "high", "png"), 4, tmp_path) == 1  # a still
    costly = RenderRequest(batch_scenes.spec("CostlyReplay"), "high")
    assert farm_chunks(costly, None, tmp_path) == 1  # chunks would replay too much
