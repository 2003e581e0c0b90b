"""render.py shard / join: one scene's plays rendered by separate commands (a Kubernetes
Indexed Job), joined into the very file a render in one piece makes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lowrank_anim.pipeline.shards import parse_shard
from tests.conftest import ROOT

SCENE = "LinearMap"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def test_k_of_n_is_parsed_and_checked() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard(" 1 / 1 ") == (1, 1)
    for bad in ("0/4", "5/4", "2", "a/b", "-1/2"):
        with pytest.raises(ValueError, match="is not K/N"):
            parse_shard(bad)


def test_a_bad_shard_is_a_usage_error(tmp_path: Path) -> None:
    done = cli("shard", SCENE, "4/3", "-o", str(tmp_path))
    assert done.returncode == 2
    assert "'4/3' is not K/N with 1 <= K <= N" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shards 1 and 3 of 3 (2 is left for the tests to add)."""
    folder = tmp_path_factory.mktemp("shards")
    for k in (1, 3):
        done = cli("shard", SCENE, f"{k}/3", "-o", str(folder))
        assert done.returncode == 0, done.stderr
        record = Path(done.stdout.strip())
        assert record.parent == folder
        assert record.name.endswith(f".{k}-of-3.shard.json")
    return folder


@pytest.mark.render
def test_a_missing_shard_is_named_and_nothing_is_written(shards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = cli("join", SCENE, str(shards), "-o", str(out))
    assert done.returncode == 1
    assert "do not cover plays" in done.stderr
    assert "(shards found: 1/3, 3/3)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not list(out.rglob("*.mp4"))
    assert not list(out.rglob(".render-*"))


@pytest.mark.render
@pytest.mark.parametrize(
    ("options", "differ"),
    [
        (("--theme", "light"), "theme dark there, light here"),
        (("-q", "medium"), "quality low there, medium here"),
    ],
)
def test_shards_of_other_options_are_not_mixed_in_and_say_what_differs(
    shards: Path, tmp_path: Path, options: tuple[str, ...], differ: str
) -> None:
    """A join with other options than the shards' names the shards it found and the options
    that differ, not "shards found: none" beside two shards."""
    done = cli("join", SCENE, str(shards), *options, "-o", str(tmp_path / "out"))
    assert done.returncode == 1
    assert f"(shards found: 1/3, 3/3, of another render ({differ}))" in done.stderr
    assert "none" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.mp4"))


@pytest.mark.render
def test_joined_shards_are_the_file_a_whole_render_makes(shards: Path, tmp_path: Path) -> None:
    done = cli("shard", SCENE, "2/3", "-o", str(shards))
    assert done.returncode == 0, done.stderr
    joined = cli("join", SCENE, str(shards), "-o", str(tmp_path / "joined"))
    assert joined.returncode == 0, joined.stderr
    whole = cli("render", SCENE, "--chunks", "1", "-j", "1", "-o", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    made, reference = Path(joined.stdout.strip()), Path(whole.stdout.strip())
    assert made.relative_to(tmp_path / "joined") == reference.relative_to(tmp_path / "whole")
    assert made.read_bytes() == reference.read_bytes()
    for suffix in (".srt", ".poster.png"):
        assert made.with_suffix(suffix).read_bytes() == reference.with_suffix(suffix).read_bytes()
    # Recorded like a render: the same render next finds it up to date and leaves it alone.
    stamp = made.stat().st_mtime_ns
    again = cli("render", SCENE, "-o", str(tmp_path / "joined"))
    assert again.returncode == 0, again.stderr
    assert made.stat().st_mtime_ns == stamp
