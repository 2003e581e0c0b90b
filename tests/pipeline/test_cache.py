"""The project-level cache: what the key covers, when a render is skipped, the manifest.

Renders here are fakes that write a few bytes (no manim), except where a test says otherwise;
whether a render happened is read from a call log and file modification times, never a clock.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import render
from lowrank_anim import imports
from lowrank_anim.cli import render as render_commands
from lowrank_anim.pipeline import batch, cache, encoding
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import SceneSpec, get_scene
from tests.conftest import ROOT

RANK_ONE = get_scene("RankOneUpdate")


@dataclass
class FakeRenderer:
    """Stands in for ``rendering.render``: writes a small file where the real one would and
    logs every call."""

    calls: list[RenderRequest]
    content: bytes = b"fake video"

    def __call__(self, request: RenderRequest, output_dir: Path, **_: Any) -> Path:
        self.calls.append(request)
        final = request.output_path(output_dir)
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = final.with_name(f".{final.name}.tmp")
        scratch.write_bytes(self.content + request.scene.name.encode())
        os.replace(scratch, final)
        return final


@pytest.fixture
def fake() -> FakeRenderer:
    return FakeRenderer([])


def run_batch(
    fake: FakeRenderer, out: Path, *requests: RenderRequest, **options: Any
) -> list[batch.JobResult]:
    # In this process (jobs=1), so the fake's call log sees every render.
    options.setdefault("jobs", 1)
    return batch.render_batch(
        list(requests) or [RenderRequest(RANK_ONE)], out, render_fn=fake, **options
    )


# Hits and misses through the batch ---------------------------------------------------------


def test_unchanged_request_is_a_hit_with_the_same_path_and_no_render(
    tmp_path: Path, fake: FakeRenderer
) -> None:
    [first] = run_batch(fake, tmp_path)
    assert first.status == "rendered"
    mtime = first.path.stat().st_mtime_ns
    [second] = run_batch(fake, tmp_path)
    assert second.status == "cached"
    assert second.path == first.path
    assert len(fake.calls) == 1, "a hit must not render"
    assert second.path.stat().st_mtime_ns == mtime


def test_force_renders_again(tmp_path: Path, fake: FakeRenderer) -> None:
    run_batch(fake, tmp_path)
    [result] = run_batch(fake, tmp_path, force=True)
    assert result.status == "rendered"
    assert len(fake.calls) == 2


def test_deleted_output_is_rendered_again(tmp_path: Path, fake: FakeRenderer) -> None:
    [first] = run_batch(fake, tmp_path)
    first.path.unlink()
    [second] = run_batch(fake, tmp_path)
    assert second.status == "rendered"
    assert second.path.is_file()


@pytest.mark.parametrize("change", ["content", "touch", "subtitles"])
def test_replaced_output_is_rendered_again(tmp_path: Path, fake: FakeRenderer, change: str) -> None:
    [first] = run_batch(fake, tmp_path)
    srt = first.path.with_suffix(".srt")
    if change == "subtitles":
        srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n", encoding="utf-8")
        run_batch(fake, tmp_path, force=True)  # now recorded with its subtitles
        srt.unlink()
    elif change == "content":
        first.path.write_bytes(b"something else entirely")
    else:
        stat = first.path.stat()
        os.utime(first.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    calls = len(fake.calls)
    [again] = run_batch(fake, tmp_path)
    assert again.status == "rendered"
    assert len(fake.calls) == calls + 1


def test_other_options_are_other_entries(tmp_path: Path, fake: FakeRenderer) -> None:
    low = RenderRequest(RANK_ONE, quality="low")
    light = RenderRequest(RANK_ONE, quality="low", theme="light")
    run_batch(fake, tmp_path, low, light)
    results = run_batch(fake, tmp_path, low, light)
    assert [r.status for r in results] == ["cached", "cached"]
    assert results[0].path != results[1].path
    assert len(fake.calls) == 2


def test_draft_encoder_is_part_of_the_key(tmp_path: Path, fake: FakeRenderer) -> None:
    high = RenderRequest(RANK_ONE, quality="high")
    run_batch(fake, tmp_path, high)
    [drafted] = run_batch(fake, tmp_path, high, draft=True)
    assert drafted.status == "rendered"
    assert cache.read_manifest(tmp_path)[cache.entry_name(high, tmp_path)]["encoder"] == "draft"


# The manifest ------------------------------------------------------------------------------


def test_manifest_records_each_output(tmp_path: Path, fake: FakeRenderer) -> None:
    request = RenderRequest(RANK_ONE, quality="medium", fmt="webm", theme="light")
    [result] = run_batch(fake, tmp_path, request)
    document = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert document["schema"] == cache.SCHEMA
    entry = document["outputs"]["RankOneUpdate/720p30/RankOneUpdate-light.webm"]
    assert entry["key"] == cache.cache_key(request, encoding.request_overrides(request))
    assert {k: entry[k] for k in ("scene", "quality", "resolution", "format", "theme")} == {
        "scene": "RankOneUpdate",
        "quality": "medium",
        "resolution": "720p30",
        "format": "webm",
        "theme": "light",
    }
    assert entry["parameters"] == {}
    assert entry["encoder"] == "draft"
    assert entry["size"] == result.path.stat().st_size == result.size
    assert entry["mtime_ns"] == result.path.stat().st_mtime_ns
    assert entry["duration"] is None, "the fake file is not a video"
    assert entry["render_seconds"] >= 0
    assert entry["created"].endswith("+00:00")
    assert entry["manim"] == cache.dependency_versions()["manim"]


def test_manifest_lists_extra_request_fields_as_parameters(
    tmp_path: Path, fake: FakeRenderer
) -> None:
    request = WithParams(RANK_ONE, extra=(("x", 1.5),))
    run_batch(fake, tmp_path, request)
    entry = cache.read_manifest(tmp_path)[cache.entry_name(request, tmp_path)]
    assert entry["parameters"] == {"extra": [["x", 1.5]]}


def _record_many(output_dir: str, worker: int, count: int) -> None:
    for i in range(count):
        cache.update_manifest(Path(output_dir), {f"w{worker}/{i}.mp4": {"key": f"{worker}-{i}"}})


def test_concurrent_updates_all_land(tmp_path: Path) -> None:
    """Several processes updating one manifest at once: every entry survives (the lock), and
    the file is always whole JSON (the atomic replace)."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record_many, args=(str(tmp_path), w, 15)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    outputs = cache.read_manifest(tmp_path)
    assert len(outputs) == 4 * 15
    assert outputs["w3/14.mp4"] == {"key": "3-14"}
    assert not list(tmp_path.glob(".manifest-*.tmp"))


def test_corrupt_manifest_means_render_again_not_an_error(
    tmp_path: Path, fake: FakeRenderer
) -> None:
    run_batch(fake, tmp_path)
    (tmp_path / "manifest.json").write_text("{ not json", encoding="utf-8")
    [result] = run_batch(fake, tmp_path)
    assert result.status == "rendered"
    assert cache.read_manifest(tmp_path)


# What the key covers -------------------------------------------------------------------------


@dataclass(frozen=True)
class WithParams(RenderRequest):
    """A request with a field RenderRequest does not have: the key must see it anyway."""

    extra: tuple[tuple[str, float], ...] = ()


PROJECT = {
    "lowrank_anim/__init__.py": "",
    "lowrank_anim/maths/model.py": "W = [[1.0, 0.0], [0.0, 1.0]]\n",
    "lowrank_anim/maths/palette.py": "X = 'blue'\n",
    "lowrank_anim/pipeline/__init__.py": "",
    "lowrank_anim/pipeline/rendering.py": "def f():\n    from lowrank_anim.maths import palette\n",
    "lowrank_anim/pipeline/batch.py": "# tooling: cannot change a pixel\n",
    "lowrank_anim/web/gallery.py": "# the gallery page: cannot change a pixel\n",
    "lowrank_anim/health/doctor.py": "# the doctor: cannot change a pixel\n",
    "scenes/__init__.py": "",
    "scenes/base.py": "from lowrank_anim.maths.model import W\n",
    "scenes/demo.py": "from manim import *\n\nfrom .base import W\n\nclass Demo(Scene): pass\n",
    "scenes/unrelated.py": "class Other: pass\n",
    "assets/params.json": '{"x": [3, -0.5]}\n',
}

DEMO = SceneSpec("Demo", "scenes.demo:Demo", "a demo scene")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name, text in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def append(path: Path, text: str = "\n# edited\n") -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


Change = Callable[[Path, pytest.MonkeyPatch], object]
BASE = RenderRequest(DEMO)


def _new_imported_module(root: Path) -> None:
    (root / "lowrank_anim/maths/params.py").write_text("P = 1")
    append(root / "scenes/base.py", "from lowrank_anim.maths.params import P\n")


def _manim_upgrade(root: Path, mp: pytest.MonkeyPatch) -> None:
    installed = cache.dependency_versions()
    mp.setattr(cache, "dependency_versions", lambda: {**installed, "manim": "9.9.9"})


CHANGES: dict[str, Change] = {
    "scene source": lambda root, mp: append(root / "scenes/demo.py"),
    "imported scene module": lambda root, mp: append(root / "scenes/base.py"),
    "model module": lambda root, mp: append(root / "lowrank_anim/maths/model.py"),
    "palette module": lambda root, mp: append(root / "lowrank_anim/maths/palette.py"),
    "render pipeline": lambda root, mp: append(root / "lowrank_anim/pipeline/rendering.py"),
    "new module a scene imports": lambda root, mp: _new_imported_module(root),
    "asset file": lambda root, mp: append(root / "assets/params.json", " "),
    "new asset file": lambda root, mp: (root / "assets/font.ttf").write_bytes(b"\0"),
    "manim version": _manim_upgrade,
    "params": lambda root, mp: WithParams(DEMO, extra=(("x", 2.0),)),
    "quality": lambda root, mp: replace(BASE, quality="high"),
    "format": lambda root, mp: replace(BASE, fmt="webm"),
    "theme": lambda root, mp: replace(BASE, theme="light"),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_any_change_to_a_key_input_misses(
    name: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = cache.cache_key(WithParams(DEMO) if name == "params" else BASE, root=project)
    changed = CHANGES[name](project, monkeypatch)
    request = changed if isinstance(changed, RenderRequest) else BASE
    if name == "params":
        assert cache.cache_key(WithParams(DEMO), root=project) == before
    assert cache.cache_key(request, root=project) != before


@pytest.mark.parametrize(
    "settings", [{"video_encoder_options": {"preset": "ultrafast"}}, {"max_inflight_encoders": 4}]
)
def test_render_settings_change_the_key(project: Path, settings: dict[str, Any]) -> None:
    assert cache.cache_key(BASE, settings, root=project) != cache.cache_key(BASE, root=project)


@pytest.mark.parametrize(
    "path",
    [
        "scenes/unrelated.py",
        "lowrank_anim/pipeline/batch.py",
        "lowrank_anim/web/gallery.py",
        "lowrank_anim/health/doctor.py",
        "lowrank_anim/maths/unused.py",
        "README.md",
        "tests/test_x.py",
    ],
)
def test_files_that_cannot_change_the_pixels_keep_the_key(project: Path, path: str) -> None:
    before = cache.cache_key(BASE, root=project)
    target = project / path
    target.parent.mkdir(parents=True, exist_ok=True)
    append(target) if target.exists() else target.write_text("x = 1\n", encoding="utf-8")
    assert cache.cache_key(BASE, root=project) == before


def test_the_key_is_stable(project: Path) -> None:
    assert cache.cache_key(BASE, root=project) == cache.cache_key(RenderRequest(DEMO), root=project)


def test_sources_follow_imports_through_relative_and_absolute_imports(project: Path) -> None:
    found = {
        p.relative_to(project).as_posix() for p in imports.project_sources("scenes.demo", project)
    }
    assert found == {
        "scenes/__init__.py",
        "scenes/demo.py",
        "scenes/base.py",
        "lowrank_anim/__init__.py",
        "lowrank_anim/maths/model.py",
    }


def test_real_scene_sources_include_the_base_and_the_model() -> None:
    found = {p.relative_to(ROOT).as_posix() for p in imports.project_sources(RANK_ONE.module)}
    assert {"scenes/rank_one.py", "scenes/base.py", "lowrank_anim/maths/model.py"} <= found
    assert "lowrank_anim/maths/palette.py" in found


def test_key_inputs_name_every_part(project: Path) -> None:
    inputs = cache.key_inputs(
        BASE, {"video_encoder_options": {"preset": "ultrafast"}}, root=project
    )
    assert inputs["request"]["scene"]["target"] == "scenes.demo:Demo"
    assert inputs["request"]["quality"] == "low"
    assert "lowrank_anim/maths/palette.py" in inputs["sources"]
    assert "lowrank_anim/pipeline/batch.py" not in inputs["sources"]
    assert "lowrank_anim/web/gallery.py" not in inputs["sources"]
    assert "lowrank_anim/health/doctor.py" not in inputs["sources"]
    assert list(inputs["assets"]) == ["assets/params.json"]
    assert inputs["versions"]["manim"] == cache.dependency_versions()["manim"]


def test_a_path_counts_by_its_content(tmp_path: Path) -> None:
    params = tmp_path / "p.json"
    params.write_text("1", encoding="utf-8")
    before = cache.canonical(params)
    params.write_text("2", encoding="utf-8")
    assert cache.canonical(params) != before


# The command line ----------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    return result.exit_code, result.output


def test_cli_second_run_is_cached_and_force_renders(
    tmp_path: Path, fake: FakeRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_commands, "render", fake)
    code, out = invoke("render", "RankOneUpdate", "-o", str(tmp_path))
    assert code == 0, out
    first = out.strip()
    code, out = invoke("render", "RankOneUpdate", "-o", str(tmp_path))
    assert (code, out.strip()) == (0, first)
    assert len(fake.calls) == 1
    code, out = invoke("render", "RankOneUpdate", "-o", str(tmp_path), "--force")
    assert (code, out.strip()) == (0, first)
    assert len(fake.calls) == 2


def test_cli_hit_does_not_import_manim(tmp_path: Path, fake: FakeRenderer) -> None:
    """The hit path, run in a fresh interpreter: manim never gets imported."""
    [result] = run_batch(fake, tmp_path)
    script = textwrap.dedent(
        f"""
        import sys
        import render
        try:
            render.main(["render", "RankOneUpdate", "-o", {str(tmp_path)!r}])
        except SystemExit as exit:
            assert exit.code in (0, None), exit.code
        print("manim modules:", sorted(m for m in sys.modules if m.split(".")[0] == "manim"))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(result.path), "manim modules: []"]


def test_real_render_sources_leave_out_the_gallery_doctor_and_cli() -> None:
    """The real key: what a render runs is in it, tools that cannot change a pixel are not."""
    found = set(cache.key_inputs(RenderRequest(RANK_ONE))["sources"])
    assert {"lowrank_anim/pipeline/rendering.py", "lowrank_anim/maths/model.py"} <= found
    assert not found & {
        "lowrank_anim/web/gallery.py",
        "lowrank_anim/health/doctor.py",
        "lowrank_anim/pipeline/batch.py",
        "lowrank_anim/pipeline/cache.py",
        "render.py",
    }
