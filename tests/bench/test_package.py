"""bench/ is a package run as ``python -m bench.NAME``: no path hacks, no root recomputed, no
test helpers imported, and every benchmark that times something times it with the harness."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lowrank_anim.paths import PROJECT_ROOT

BENCH = PROJECT_ROOT / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if p.name != "__init__.py")
#: Scripts that measure no time (sizes, a child helper), so have no load to judge; and the
#: two whose timing logic another owner keeps (they take only write_section / conditions).
UNTIMED = {"docker_size.py", "explorable.py", "rasterise_only.py", "harness.py"}
OTHER_OWNER = {"audit.py", "plans.py"}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_there_are_scripts_to_check() -> None:
    assert len(SCRIPTS) >= 10
    assert (BENCH / "__init__.py").is_file()


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_path_hacks_no_root_recomputed_no_tests_imported(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    module = tree(path)
    for node in ast.walk(module):
        if isinstance(node, ast.Attribute) and node.attr == "path":
            assert not (isinstance(node.value, ast.Name) and node.value.id == "sys"), (
                f"{path.name}:{node.lineno} touches sys.path; run it as python -m bench.NAME"
            )
    assert "parent.parent" not in source, f"{path.name} recomputes the project root"
    assert "__file__" not in source, f"{path.name} finds files from __file__, not PROJECT_ROOT"
    bad = {name for name in imported(module) if name == "tests" or name.startswith("tests.")}
    assert not bad, f"{path.name} imports {bad}"
    # The run line a reader copies from the docstring runs it as a module.
    doc = ast.get_docstring(module) or ""
    assert not re.search(r"python3?\s+bench/", doc), f"{path.name}'s docstring runs it as a file"


@pytest.mark.parametrize(
    "path", [p for p in SCRIPTS if p.name not in UNTIMED | OTHER_OWNER], ids=lambda p: p.name
)
def test_every_timed_benchmark_uses_the_harness(path: Path) -> None:
    module = tree(path)
    assert "bench.harness" in imported(module) or "bench" in imported(module)
    source = path.read_text(encoding="utf-8")
    assert "harness.publish(" in source, f"{path.name} does not write through the harness"
    assert "Session(args)" in source, f"{path.name} records no conditions"
    assert "getloadavg" not in source, f"{path.name} reads the load on its own"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_script_imports_as_a_module(path: Path) -> None:
    importlib.import_module(f"bench.{path.stem}")


def test_a_benchmark_runs_as_a_module_and_refuses_two_rounds() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.batch", "--rounds", "2", "--no-write"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "at least 3 rounds" in done.stderr
    assert "Traceback" not in done.stderr
    help_text = subprocess.run(
        [sys.executable, "-m", "bench.batch", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--busy-ok" in help_text


def written_sections() -> list[tuple[str, str]]:
    """(script, part) of every section a benchmark writes through the harness."""
    found = []
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8")
        if "harness.publish(" in source:
            found.append((f"bench/{path.name}", ""))
            found += [(f"bench/{path.name}", part) for part in re.findall(r'part="(\w+)"', source)]
    return found


@pytest.mark.parametrize(("script", "part"), written_sections())
def test_every_written_section_is_in_benchmarks_md_once_and_states_its_load(
    script: str, part: str
) -> None:
    """So that a re-take replaces the section in place instead of adding a second one, and no
    section in the file leaves its load unsaid."""
    from bench import harness

    text = (PROJECT_ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    begin, end = harness.markers(script, part)
    assert text.count(begin) == 1, f"BENCHMARKS.md has no (or two) {begin}"
    assert text.count(end) == 1, f"BENCHMARKS.md has no (or two) {end}"
    section = text.split(begin)[1].split(end)[0]
    heading = section.strip().splitlines()[0]
    # Taken by the harness on an idle machine, or marked in its heading as what it is.
    assert "verdict: idle enough" in section or "load" in heading, (
        f"{script}'s section is not marked: {heading}"
    )
