"""scripts/system-deps.sh, the set-up step `make render` and `make test` start with."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "system-deps.sh"


def test_without_apt_it_stops_with_one_line_pointing_to_docker(tmp_path: Path) -> None:
    # A machine without apt (a Mac): only the tools the script needs up to that check.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "uname", "cat"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT), "render"],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "no apt-get here" in lines[0]
    assert "make docker-render" in lines[0]


def test_an_unknown_profile_is_a_usage_error() -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "everything"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"usage: {SCRIPT} [render|test|arm64]"


def test_the_test_profile_installs_the_blog_engines_the_tests_build(tmp_path: Path) -> None:
    # A machine where dpkg knows no package and apt-get only says what it was asked for.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "apt-get").write_text('#!/bin/sh\necho "apt-get $*"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    installed = {}
    for profile in ("render", "test"):
        result = subprocess.run(
            ["bash", str(SCRIPT), profile],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        line = next(x for x in result.stdout.splitlines() if x.startswith("apt-get install"))
        installed[profile] = set(line.split()[2:])
    # tests/blog_engines.py runs these two; MkDocs comes from PyPI (the dev extra).
    assert {"jekyll", "hugo"} <= installed["test"]
    assert not {"jekyll", "hugo"} & installed["render"]
