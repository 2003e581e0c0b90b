"""Publishing manim's per-section clips to SCENE.sections/NN-Beat.ext."""

from __future__ import annotations

import json
from pathlib import Path

from lowrank_anim.pipeline.sections import clip_name, publish_sections, slug


def test_names_are_numbered_and_file_safe() -> None:
    assert clip_name(1, "Input", ".mp4") == "01-Input.mp4"
    assert clip_name(12, "RankOneUpdate: Alpha is v dot x", "webm") == (
        "12-RankOneUpdate-Alpha-is-v-dot-x.webm"
    )
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("α!") == "section"


def fake_render(scratch: Path, names: list[str]) -> Path:
    entries = []
    for i, name in enumerate(names):
        video = f"Scene_{i:04}_{slug(name)}.mp4"
        (scratch / video).write_bytes(f"clip {i}".encode())
        entries.append({"name": name, "type": "default.normal", "video": video})
    index = scratch / "Scene.json"
    index.write_text(json.dumps(entries), encoding="utf-8")
    return index


def test_clips_land_in_play_order_and_stale_ones_go(tmp_path: Path) -> None:
    final = tmp_path / "Scene.sections"
    first = tmp_path / "first"
    first.mkdir()
    published = publish_sections(fake_render(first, ["Input", "Frozen W", "Sum"]), final)
    assert [p.name for p in published] == ["01-Input.mp4", "02-Frozen-W.mp4", "03-Sum.mp4"]
    assert (final / "02-Frozen-W.mp4").read_bytes() == b"clip 1"
    (final / "notes.txt").write_text("mine", encoding="utf-8")
    second = tmp_path / "second"
    second.mkdir()
    publish_sections(fake_render(second, ["Input", "Sum"]), final)
    assert sorted(p.name for p in final.iterdir()) == ["01-Input.mp4", "02-Sum.mp4", "notes.txt"]
