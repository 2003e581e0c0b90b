"""``render.py doctor``: every check passes on a machine `make` set up, each failure names its
fix, a crashing check is only one ✗ row, and the README's Troubleshooting section is the
doctor's own fix texts."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.health import diagnosis, doctor, native
from lowrank_anim.health.doctor import CheckResult, run_checks
from tests.conftest import ROOT


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    return result.exit_code, result.output


# On this machine ------------------------------------------------------------------------------


@pytest.mark.latex
def test_every_check_passes_here(tmp_path: Path) -> None:
    """`make test` installs everything rendering needs, so the doctor must agree."""
    results = run_checks(tmp_path / "media")
    failed = [f"{r.label}: {r.detail}" for r in results if not r.ok]
    assert not failed
    labels = [r.label for r in results]
    for package in native.RENDER_STACK:
        assert f"{package.import_name} ({package.distribution})" in labels
    for label in ("Python", "manim imports", "latex", "dvisvgm", "MathTex compiles", "fonts"):
        assert label in labels
    assert not (tmp_path / "media").exists(), "the doctor must not create the output directory"


def test_cli_prints_the_table_and_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        doctor, "check_stack_imports", lambda: CheckResult("manim imports", True, "ok")
    )
    monkeypatch.setattr(
        doctor, "check_mathtex", lambda: CheckResult("MathTex compiles", True, "ok")
    )
    code, out = invoke("doctor", "-o", str(tmp_path))
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[0].startswith("✓ Python ")
    assert re.fullmatch(r"All \d+ checks passed( \(\d+ warnings?\))?\.", lines[-1])
    assert all(line[0] in "✓!" for line in lines[:-1])


# Each failure, with its fix -------------------------------------------------------------------


def test_missing_latex(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for result in (
        doctor.check_tool("latex"),
        doctor.check_tool("dvisvgm"),
        doctor.check_mathtex(),
    ):
        assert not result.ok
        assert result.fix == diagnosis.FIX_LATEX
    assert doctor.check_tool("latex").detail == "`latex` is not on PATH"


@pytest.mark.latex
def test_latex_that_cannot_compile_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        doctor, "MATHTEX_SOURCE", doctor.MATHTEX_SOURCE.replace("amssymb", "nosuchpkg")
    )
    result = doctor.check_mathtex()
    assert not result.ok
    assert "nosuchpkg.sty' not found" in result.detail
    assert result.fix == diagnosis.FIX_LATEX


def test_no_fonts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = doctor.check_fonts()
    assert not result.ok
    assert result.fix == doctor.FIX_FONTS


def test_output_dir_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = doctor.check_output_dir(blocker / "media")
    assert not result.ok
    assert result.detail == f"{blocker} is not a directory"
    assert result.fix == doctor.FIX_OUTPUT_DIR
    assert doctor.check_output_dir(tmp_path / "new" / "media").ok


@pytest.mark.parametrize(
    ("free", "ok", "warning"),
    [(100 << 20, False, False), (500 << 20, True, True), (5 << 30, True, False)],
)
def test_disk_space(
    free: int, ok: bool, warning: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        shutil,
        "disk_usage",
        lambda _p: shutil._ntuple_diskusage(free * 2, free, free),
    )
    result = doctor.check_disk_space(tmp_path)
    assert (result.ok, result.warning) == (ok, warning)
    assert result.fix == (doctor.FIX_DISK_SPACE if (warning or not ok) else "")


def test_python_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "MIN_PYTHON", (99, 0))
    result = doctor.check_python()
    assert not result.ok
    assert "99.0 or newer needed" in result.detail
    assert result.fix == doctor.FIX_PYTHON


def test_wrong_manim_version(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("manim==0.0.1\n    # via lowrank-anim\nnumpy==1.0\n")
    result = doctor.check_lock(lock)
    assert not result.ok
    assert result.detail.startswith("manim 0.22.0, requirements.lock pins 0.0.1")
    assert result.fix == diagnosis.FIX_REBUILD_VENV


def test_other_versions_off_the_lock_only_warn(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text((ROOT / "requirements.lock").read_text().replace("numpy==", "numpy==0.0.0+"))
    result = doctor.check_lock(lock)
    assert result.ok
    assert result.warning
    assert "numpy" in result.detail
    missing = doctor.check_lock(tmp_path / "nope.lock")
    assert (missing.ok, missing.warning) == (True, True)


def test_a_binary_for_another_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = native.package_binaries(native.RENDER_STACK[0]).binaries[0][0]
    fake = tmp_path / "fakecairo" / real.name
    fake.parent.mkdir()
    (fake.parent / "__init__.py").write_text("")
    shutil.copyfile(real, fake)
    with open(fake, "r+b") as f:
        f.seek(18)
        f.write(struct.pack("<H", 183))  # EM_AARCH64
    monkeypatch.syspath_prepend(str(tmp_path))
    result = doctor.check_native_package(native.NativePackage("fakecairo", "pycairo", "test"))
    assert not result.ok
    assert result.detail.startswith(
        f"{fake} is ELF arm64 (arm64/aarch64), but this Python runs as "
    )
    assert result.fix == doctor.native_fix("pycairo")
    ghost = doctor.check_native_package(native.NativePackage("no_such_xyz", "no-such", "test"))
    assert (ghost.ok, ghost.detail) == (False, "not installed")


def test_a_crashing_check_is_one_failed_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> CheckResult:
        raise RuntimeError("fc-list exploded")

    monkeypatch.setattr(doctor, "check_fonts", broken)
    monkeypatch.setattr(
        doctor, "check_stack_imports", lambda: CheckResult("manim imports", True, "ok")
    )
    monkeypatch.setattr(
        doctor, "check_mathtex", lambda: CheckResult("MathTex compiles", True, "ok")
    )
    results = run_checks(tmp_path)
    fonts = next(r for r in results if r.label == "fonts")
    assert not fonts.ok
    assert fonts.detail == "the check itself failed: RuntimeError: fc-list exploded"
    assert fonts.fix == doctor.FIX_CHECK_CRASHED
    assert sum(not r.ok for r in results) == 1, "the other checks still ran"

    code, out = invoke("doctor", "-o", str(tmp_path))
    assert code == 1
    assert "Traceback" not in out
    assert "✗ fonts" in out
    assert f"fix: {doctor.FIX_CHECK_CRASHED}" in out
    assert (
        out.strip().splitlines()[-1] == f"1 of {len(results)} checks failed: fix the ✗ rows above."
    )

    result = CliRunner().invoke(render.cli, ["--debug", "doctor", "-o", str(tmp_path)])
    assert isinstance(result.exception, RuntimeError), "--debug shows the real error"


# Kept in step with manim, pyproject and the README --------------------------------------------


def test_the_mathtex_check_compiles_what_manim_would() -> None:
    from manim.utils.tex import TexTemplate

    assert (
        TexTemplate().get_texcode_for_expression_in_env(r"z = y + \alpha u", "align*") + "\n"
        == doctor.MATHTEX_SOURCE
    )


def test_min_python_matches_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = re.search(r'^requires-python = "(.+)"$', pyproject, re.MULTILINE)
    assert declared is not None
    assert declared[1] == ">=" + ".".join(map(str, doctor.MIN_PYTHON))


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index(doctor.README_START), text.index(doctor.README_END)
    return text[start : end + len(doctor.README_END)]


def test_readme_troubleshooting_is_generated_from_the_doctor() -> None:
    assert readme_section() == doctor.troubleshooting_markdown(), (
        "run `make readme-troubleshooting`"
    )


def test_every_fix_the_tools_print_is_in_the_readme() -> None:
    section = readme_section()
    fixes = [value for name, value in vars(doctor).items() if name.startswith("FIX_")]
    fixes += [value for name, value in vars(diagnosis).items() if name.startswith("FIX_")]
    fixes += [doctor.native_fix("PACKAGE"), diagnosis.fix_reinstall("PACKAGE")]
    for fix in fixes:
        assert fix in section, fix


def test_update_readme_rewrites_only_the_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{doctor.README_START}\nold\n{doctor.README_END}\n\n## After\n")
    assert doctor.update_readme(readme) is True
    assert readme.read_text() == f"# Title\n\n{doctor.troubleshooting_markdown()}\n\n## After\n"
    assert doctor.update_readme(readme) is False
