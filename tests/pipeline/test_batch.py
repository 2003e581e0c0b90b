"""Batches: renders in separate processes, failures that stay contained, progress and summary.

Real renders use the tiny scenes of ``tests/batch_scenes.py`` at low quality.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.cli import options as cli_options
from lowrank_anim.cli import render as render_commands
from lowrank_anim.pipeline import batch, cache, progress, workers
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import get_scene
from tests.batch_scenes import spec
from tests.media_probe import probe
from tests.pipeline.test_cache import FakeRenderer


def test_default_jobs_is_the_number_of_usable_cores() -> None:
    assert batch.default_jobs() >= 1


def test_sequential_batch_keeps_order_and_reports_each_job(tmp_path: Path) -> None:
    fake = FakeRenderer([])
    requests = [RenderRequest(get_scene("RankOneUpdate")), RenderRequest(spec("TinySquare"))]
    events: list[str] = []

    class Recorder:
        def started(self, request: RenderRequest) -> None:
            events.append(f"start {request.scene.name}")

        def finished(self, result: batch.JobResult) -> None:
            events.append(f"{result.status} {result.request.scene.name}")

        def close(self) -> None:
            events.append("close")

    results = batch.render_batch(requests, tmp_path, jobs=1, render_fn=fake, reporter=Recorder())
    assert [r.request.scene.name for r in results] == ["RankOneUpdate", "TinySquare"]
    assert events == [
        "start RankOneUpdate",
        "rendered RankOneUpdate",
        "start TinySquare",
        "rendered TinySquare",
        "close",
    ]


def test_in_process_failure_is_one_line_and_the_others_still_render(tmp_path: Path) -> None:
    fake = FakeRenderer([])

    def flaky(request: RenderRequest, output_dir: Path, **_: object) -> Path:
        if request.scene.name == "BrokenScene":
            raise ValueError("no good\nsecond line of detail")
        return fake(request, output_dir)

    requests = [RenderRequest(spec(n)) for n in ("TinySquare", "BrokenScene", "TinyCircle")]
    results = batch.render_batch(requests, tmp_path, jobs=1, render_fn=flaky)
    assert [r.status for r in results] == ["rendered", "failed", "rendered"]
    assert results[1].error == "ValueError: no good"
    assert progress.failure_message(results) == (
        "1 of 3 renders failed: BrokenScene (the others were written; see the FAILED lines above)"
    )
    with pytest.raises(ValueError, match="no good"):
        batch.render_batch(requests, tmp_path, jobs=1, render_fn=flaky, debug=True, force=True)


def test_plain_progress_and_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRenderer([])
    monkeypatch.setattr(render_commands, "render", fake)
    monkeypatch.setattr(cli_options, "SCENES", {n: spec(n) for n in ("TinySquare", "TinyCircle")})
    result = CliRunner().invoke(
        render.cli, ["render", "--all", "-j", "1", "-o", str(tmp_path)], prog_name="render.py"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(
        r"\[1/2\] TinySquare: rendered \([0-9.]+ s\) · elapsed \d+:\d\d · ETA \d+:\d\d", lines[0]
    ), lines[0]
    assert lines[1].startswith("[2/2] TinyCircle: rendered (")
    assert lines[1].endswith("ETA 0:00")
    assert lines[2].split() == ["scene", "status", "seconds", "size", "path"]
    assert lines[3].split()[:2] == ["TinySquare", "rendered"]
    assert lines[-2:] == [
        str(tmp_path / "TinySquare/480p15/TinySquare.mp4"),
        str(tmp_path / "TinyCircle/480p15/TinyCircle.mp4"),
    ]
    again = CliRunner().invoke(
        render.cli, ["render", "--all", "-o", str(tmp_path)], prog_name="render.py"
    )
    assert [line.split()[1] for line in again.output.splitlines()[3:5]] == ["cached", "cached"]


@pytest.mark.render
class StartOrder(progress.SilentReporter):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, request: RenderRequest) -> None:
        self.names.append(request.scene.name)


def test_a_parallel_batch_starts_the_renders_that_took_longest_first(tmp_path: Path) -> None:
    """The manifest's render times order the next batch (longest first), so a long scene
    listed last no longer runs alone at the end; scenes never timed keep their order."""
    requests = [RenderRequest(spec(n)) for n in ("TinySquare", "TinyCircle", "TinySquare")]
    requests[2] = RenderRequest(spec("TinySquare"), theme="light")
    first = StartOrder()
    batch.render_batch(requests, tmp_path, jobs=2, reporter=first)
    assert first.names == ["TinySquare", "TinyCircle", "TinySquare"]  # nothing timed yet
    # Make TinyCircle the slow one, as the manifest would after a slow render of it.
    manifest = cache.read_manifest(tmp_path)
    circle = next(name for name, entry in manifest.items() if entry["scene"] == "TinyCircle")
    cache.update_manifest(tmp_path, {circle: {**manifest[circle], "render_seconds": 1e6}})
    again = StartOrder()
    batch.render_batch(requests, tmp_path, jobs=2, force=True, reporter=again)
    assert again.names == ["TinyCircle", "TinySquare", "TinySquare"]


def test_two_parallel_jobs_both_produce_valid_files(tmp_path: Path) -> None:
    requests = [RenderRequest(spec("TinySquare")), RenderRequest(spec("TinyCircle"))]
    results = batch.render_batch(requests, tmp_path, jobs=2)
    assert [r.status for r in results] == ["rendered", "rendered"], [r.error for r in results]
    for result in results:
        info = probe(result.path)
        assert (info.codec, info.width, info.height) == ("h264", 854, 480)
        assert info.frames >= 7
    manifest = cache.read_manifest(tmp_path)
    assert set(manifest) == {"TinySquare/480p15/TinySquare.mp4", "TinyCircle/480p15/TinyCircle.mp4"}
    assert all(entry["duration"] > 0 for entry in manifest.values())
    leftovers = [p for p in tmp_path.rglob(".render-*")] + list(tmp_path.rglob("*.tmp"))
    assert not leftovers
    assert not (tmp_path / workers.LOGS_DIRNAME).exists() or not any(
        (tmp_path / workers.LOGS_DIRNAME).iterdir()
    )


@pytest.mark.render
def test_failing_scene_leaves_the_others_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ("TinySquare", "BrokenScene", "TinyCircle")
    monkeypatch.setattr(cli_options, "SCENES", {n: spec(n) for n in names})
    result = CliRunner().invoke(
        render.cli, ["render", "--all", "-j", "2", "-o", str(tmp_path)], prog_name="render.py"
    )
    assert result.exit_code == 1
    out = result.output
    assert "Traceback" not in out
    log = tmp_path / ".logs" / "BrokenScene-480p15-BrokenScene.mp4.log"
    assert (
        f"FAILED BrokenScene: RuntimeError: deliberately broken for the batch tests (log: {log})"
        in out.splitlines()
    )
    assert out.strip().splitlines()[-1] == (
        "Error: 1 of 3 renders failed: BrokenScene (the others were written; see the FAILED "
        "lines above)"
    )
    assert "Traceback" in log.read_text(encoding="utf-8")
    for name in ("TinySquare", "TinyCircle"):
        path = tmp_path / name / "480p15" / f"{name}.mp4"
        assert str(path) in out.splitlines()
        assert probe(path).frames >= 7
    assert not (tmp_path / "BrokenScene").exists() or not list(
        (tmp_path / "BrokenScene").rglob("*.mp4")
    )


def test_a_job_that_cannot_start_fails_alone(tmp_path: Path) -> None:
    """A render function that cannot be sent to a worker process fails its jobs, one line
    each, instead of the whole batch."""

    def local_function(request: RenderRequest, output_dir: Path, **_: object) -> Path:
        # A local function is not picklable.
        raise AssertionError("never called")

    requests = [RenderRequest(spec("TinySquare")), RenderRequest(spec("TinyCircle"))]
    results = batch.render_batch(requests, tmp_path, jobs=2, render_fn=local_function)
    assert [r.status for r in results] == ["failed", "failed"]
    assert all("pickle" in (r.error or "").lower() for r in results), results[0].error
    assert not list((tmp_path / workers.LOGS_DIRNAME).glob(".*.tmp"))


@pytest.mark.render
def test_a_worker_that_dies_is_reported_and_the_others_finish(tmp_path: Path) -> None:
    requests = [RenderRequest(spec("CrashingScene")), RenderRequest(spec("TinySquare"))]
    crashed, square = batch.render_batch(requests, tmp_path, jobs=2)
    assert crashed.status == "failed"
    assert crashed.error == "worker killed by signal 9"
    assert crashed.log is not None
    assert crashed.log.is_file()
    assert square.status == "rendered"
    assert probe(square.path).frames >= 7
