"""``render.py doctor``: is this machine able to render?  A ✓/✗ table with a fix for each ✗.

Every check is a plain function returning a :class:`CheckResult`; :func:`run_checks` runs each
in isolation, so one that crashes is reported as a failed row and the others still run.  No
check imports the render stack (cairo, numpy, manim) into this process: the architecture of
each native extension is read from its file header (:mod:`lowrank_anim.health.native`), and
the things that must really load or compile (``import manim``, a MathTex through latex and
dvisvgm) run in subprocesses with timeouts.  So the doctor works exactly when rendering does not.

The fix texts are constants shared with :mod:`lowrank_anim.health.diagnosis`;
:func:`troubleshooting_markdown` turns them into the README's Troubleshooting section
(``make readme-troubleshooting``; a test keeps the README in step).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lowrank_anim.docblocks import write_block
from lowrank_anim.health import archcheck, native
from lowrank_anim.health.diagnosis import (
    FIX_LATEX,
    FIX_REBUILD_VENV,
    FIX_SYSTEM_DEPS,
    fix_reinstall,
)
from lowrank_anim.paths import LOCK_FILE
from lowrank_anim.paths import PROJECT_ROOT as ROOT

#: pyproject's ``requires-python`` (a test keeps the two equal).
MIN_PYTHON = (3, 10)
#: Below this much free space a render will fail; below the warning level a 4k one may.
MIN_FREE_BYTES = 200 * 1024**2
WARN_FREE_BYTES = 1024**3
#: A cold LaTeX start on a busy machine takes seconds, not minutes.
SUBPROCESS_TIMEOUT = 120.0

FIX_PYTHON = (
    "install Python 3.10 or newer built for this machine's CPU, then "
    "`rm -rf .venv && make venv PYTHON=python3.11`"
)
FIX_STACK = f"{FIX_SYSTEM_DEPS} && {FIX_REBUILD_VENV}"
FIX_FONTS = "`sudo apt-get install fontconfig fonts-dejavu-core` or `make system-deps`"
FIX_OUTPUT_DIR = "choose another --output-dir or fix its permissions"
FIX_DISK_SPACE = "free some space or choose another --output-dir"
FIX_CHECK_CRASHED = "run `render.py --debug doctor` and report the traceback"

#: The MathTex the check compiles, in manim's default template (``TexTemplate``, environment
#: ``align*``); ``tests/health/test_doctor.py`` compares it with manim's own.
MATHTEX_SOURCE = r"""\documentclass[preview]{standalone}
\usepackage[english]{babel}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
\begin{align*}
z = y + \alpha u
\end{align*}
\end{document}
"""


@dataclass(frozen=True)
class CheckResult:
    """One row of the doctor's table."""

    label: str
    ok: bool
    detail: str
    fix: str = ""
    """What to run or do; set whenever ``ok`` is False."""
    warning: bool = False
    """Passes, but deserves a look (shown as ``!``, does not fail the doctor)."""

    @property
    def mark(self) -> str:
        return "✗" if not self.ok else "!" if self.warning else "✓"


Check = Callable[[], CheckResult]


# Python ---------------------------------------------------------------------------------------


def check_python() -> CheckResult:
    """The interpreter's version, and the CPU architecture it runs as."""
    version = ".".join(str(n) for n in sys.version_info[:3])
    arch = archcheck.host_arch()
    bits = struct.calcsize("P") * 8
    binary = archcheck.interpreter_binary_arch()
    header = f", binary {binary.describe()}" if binary else ""
    detail = (
        f"{platform.python_implementation()} {version}, runs as {_arch_words(arch)}, "
        f"{bits}-bit{header} ({sys.executable})"
    )
    if sys.version_info[:2] < MIN_PYTHON:
        needed = ".".join(map(str, MIN_PYTHON))
        return CheckResult("Python", False, f"{detail}: {needed} or newer needed", FIX_PYTHON)
    if archcheck.rosetta_translated():
        return CheckResult(
            "Python",
            True,
            f"{detail}: translated by Rosetta 2 on an Apple Silicon Mac; a native arm64 Python "
            "is faster and avoids mixing architectures",
            warning=True,
        )
    return CheckResult("Python", True, detail)


def _arch_words(arch: str) -> str:
    human = archcheck.human_arch(arch)
    return arch if human == arch else f"{arch} ({human})"


# Native extensions ----------------------------------------------------------------------------


def native_fix(distribution: str) -> str:
    """The fix for a package whose binaries are missing or for the wrong CPU."""
    return f"`{FIX_REBUILD_VENV}`, or for this package only `{fix_reinstall(distribution)}`"


def check_native_package(package: native.NativePackage) -> CheckResult:
    """Every binary of ``package`` is built for the CPU this interpreter runs as."""
    label = f"{package.import_name} ({package.distribution})"
    host = archcheck.host_arch()
    found = native.package_binaries(package)
    if found.location is None:
        return CheckResult(label, False, "not installed", native_fix(package.distribution))
    if not found.binaries:
        return CheckResult(
            label,
            True,
            f"no native binary found under {found.location} (an unusual build)",
            warning=True,
        )
    foreign = found.foreign(host)
    if foreign:
        path, arch = foreign[0]
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        return CheckResult(
            label,
            False,
            f"{path} is {arch.describe()}{more}, but this Python runs as {_arch_words(host)}",
            native_fix(package.distribution),
        )
    formats = sorted({arch.describe() for _path, arch in found.binaries})
    count = len(found.binaries)
    return CheckResult(
        label,
        True,
        f"{count} binar{'y' if count == 1 else 'ies'}, {', '.join(formats)}; {package.role}",
    )


_IMPORT_PROBE = """
import sys
try:
    import manim
except BaseException as exc:
    from lowrank_anim.health.diagnosis import explain
    found = explain(exc)
    print(found.message if found else f"{type(exc).__name__}: {exc}")
    sys.exit(1)
print(manim.__version__)
"""


def check_stack_imports() -> CheckResult:
    """``import manim`` really works (in a subprocess: a crash cannot take the doctor down)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CheckResult(
            "manim imports", False, f"`import manim` hung for {SUBPROCESS_TIMEOUT:.0f} s", FIX_STACK
        )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        said = (done.stdout.strip() or done.stderr.strip() or f"exit {done.returncode}").split(
            "\n"
        )[0]
        return CheckResult("manim imports", False, said, FIX_STACK)
    return CheckResult("manim imports", True, f"manim {done.stdout.strip()} ({seconds:.1f} s)")


# LaTeX ----------------------------------------------------------------------------------------


def check_tool(tool: str) -> CheckResult:
    """``tool`` (latex, dvisvgm) is on PATH."""
    found = shutil.which(tool)
    if found is None:
        return CheckResult(tool, False, f"`{tool}` is not on PATH", FIX_LATEX)
    return CheckResult(tool, True, found)


def check_mathtex() -> CheckResult:
    """A one-line MathTex compiles to SVG the way manim does it, in a throw-away directory."""
    label = "MathTex compiles"
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if missing:
        return CheckResult(label, False, f"cannot try: {' and '.join(missing)} missing", FIX_LATEX)
    with tempfile.TemporaryDirectory(prefix="lowrank-doctor-") as tmp:
        work = Path(tmp)
        (work / "check.tex").write_text(MATHTEX_SOURCE, encoding="utf-8")
        steps = [
            [
                "latex",
                "-interaction=batchmode",
                "-halt-on-error",
                f"-output-directory={work}",
                str(work / "check.tex"),
            ],
            [
                "dvisvgm",
                "--no-fonts",
                "--verbosity=0",
                f"--output={work / 'check.svg'}",
                str(work / "check.dvi"),
            ],
        ]
        started = time.monotonic()
        for command in steps:
            try:
                done = subprocess.run(
                    command,
                    cwd=work,
                    capture_output=True,
                    text=True,
                    timeout=SUBPROCESS_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return CheckResult(label, False, f"{command[0]} hung", FIX_LATEX)
            if done.returncode != 0:
                return CheckResult(label, False, _latex_failure(command[0], work), FIX_LATEX)
        svg = work / "check.svg"
        if not svg.is_file() or b"<svg" not in svg.read_bytes():
            return CheckResult(label, False, "dvisvgm wrote no SVG", FIX_LATEX)
        seconds = time.monotonic() - started
    return CheckResult(label, True, rf"z = y + \alpha u → SVG ({seconds:.1f} s)")


def _latex_failure(tool: str, work: Path) -> str:
    log = work / "check.log"
    if tool == "latex" and log.is_file():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("!"):
                return f"latex failed: {line[1:].strip()}"
    return f"{tool} failed"


# Fonts ----------------------------------------------------------------------------------------


def check_fonts() -> CheckResult:
    """Text needs at least one font that Pango (through fontconfig) can find."""
    if shutil.which("fc-list") is not None:
        try:
            done = subprocess.run(
                ["fc-list", ":", "family"],
                capture_output=True,
                text=True,
                timeout=SUBPROCESS_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return CheckResult("fonts", False, "fc-list hung", FIX_FONTS)
        families = {line.split(",")[0].strip() for line in done.stdout.splitlines() if line}
        families.discard("")
        if done.returncode == 0 and families:
            return CheckResult("fonts", True, f"{len(families)} font families (fc-list)")
        return CheckResult("fonts", False, "fc-list finds no fonts", FIX_FONTS)
    return CheckResult("fonts", False, "fc-list (fontconfig) is not installed", FIX_FONTS)


# Output directory -----------------------------------------------------------------------------


def _existing_ancestor(directory: Path) -> Path:
    current = directory.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def check_output_dir(directory: Path) -> CheckResult:
    """Files can be created in the output directory (or where it would be created)."""
    label = "output directory"
    target = _existing_ancestor(directory)
    if not target.is_dir():
        return CheckResult(label, False, f"{target} is not a directory", FIX_OUTPUT_DIR)
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".doctor-write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return CheckResult(label, False, f"cannot write in {target}: {reason}", FIX_OUTPUT_DIR)
    note = "" if target == directory.absolute() else f" (will be created under {target})"
    return CheckResult(label, True, f"{directory} is writable{note}")


def check_disk_space(directory: Path) -> CheckResult:
    """Enough free space where the files will go."""
    label = "disk space"
    target = _existing_ancestor(directory)
    try:
        free = shutil.disk_usage(target).free
    except OSError as exc:
        return CheckResult(label, False, f"cannot tell: {exc.strerror}", FIX_DISK_SPACE)
    shown = f"{_size(free)} free in {target}"
    if free < MIN_FREE_BYTES:
        return CheckResult(label, False, f"{shown}; a render needs more", FIX_DISK_SPACE)
    if free < WARN_FREE_BYTES:
        return CheckResult(
            label, True, f"{shown}; high-quality renders may not fit", FIX_DISK_SPACE, warning=True
        )
    return CheckResult(label, True, shown)


def _size(n: int) -> str:
    if n < 1024**2:
        return f"{n / 1024:.0f} KB"
    if n < 1024**3:
        return f"{n / 1024**2:.0f} MB"
    return f"{n / 1024**3:.1f} GB"


# The lock -------------------------------------------------------------------------------------

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", re.MULTILINE)


def locked_versions(lock: Path = LOCK_FILE) -> dict[str, str]:
    """``{normalised name: version}`` pinned in a pip-compile lock file."""
    return {_normalise(m[1]): m[2] for m in _PIN.finditer(lock.read_text(encoding="utf-8"))}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_lock(lock: Path = LOCK_FILE) -> CheckResult:
    """The installed manim (and the rest of the stack) is the version the lock pins."""
    label = "versions match the lock"
    if not lock.is_file():
        return CheckResult(
            label, True, f"no {lock.name} beside the code (installed as a package?)", warning=True
        )
    pinned = locked_versions(lock)
    installed: dict[str, str | None] = {}
    for name in pinned:
        try:
            installed[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed[name] = None
    differ = {name: have for name, have in installed.items() if have != pinned[name]}
    if "manim" not in pinned:
        return CheckResult(label, False, f"{lock.name} pins no manim", FIX_REBUILD_VENV)
    if "manim" in differ:
        have = differ["manim"] or "not installed"
        return CheckResult(
            label, False, f"manim {have}, {lock.name} pins {pinned['manim']}", FIX_REBUILD_VENV
        )
    if differ:
        shown = ", ".join(
            f"{name} {have or 'missing'} (lock {pinned[name]})"
            for name, have in sorted(differ.items())[:3]
        )
        more = f" and {len(differ) - 3} more" if len(differ) > 3 else ""
        return CheckResult(
            label,
            True,
            f"manim {pinned['manim']}, but {shown}{more} differ",
            FIX_REBUILD_VENV,
            warning=True,
        )
    return CheckResult(
        label, True, f"manim {pinned['manim']}; all {len(pinned)} pins in {lock.name} match"
    )


# Running them ---------------------------------------------------------------------------------


def checks(output_dir: Path) -> list[tuple[str, Check]]:
    """Every check, in the order the table shows them, as ``(label, function)``."""
    found: list[tuple[str, Check]] = [("Python", check_python)]
    for package in native.RENDER_STACK:
        found.append(
            (
                f"{package.import_name} ({package.distribution})",
                lambda package=package: check_native_package(package),  # type: ignore[misc]
            )
        )
    found += [
        ("manim imports", check_stack_imports),
        ("latex", lambda: check_tool("latex")),
        ("dvisvgm", lambda: check_tool("dvisvgm")),
        ("MathTex compiles", check_mathtex),
        ("fonts", check_fonts),
        ("output directory", lambda: check_output_dir(output_dir)),
        ("disk space", lambda: check_disk_space(output_dir)),
        ("versions match the lock", check_lock),
    ]
    return found


def run_check(label: str, check: Check, *, debug: bool = False) -> CheckResult:
    """Run one check; a check that crashes becomes a failed row (unless ``debug``)."""
    try:
        return check()
    except Exception as exc:
        if debug:
            raise
        return CheckResult(
            label, False, f"the check itself failed: {type(exc).__name__}: {exc}", FIX_CHECK_CRASHED
        )


def run_checks(output_dir: Path, *, debug: bool = False) -> list[CheckResult]:
    """Every check's result; never raises unless ``debug``."""
    return [run_check(label, check, debug=debug) for label, check in checks(output_dir)]


def format_table(results: Sequence[CheckResult]) -> str:
    """The ✓/✗ table, a fix line under each ✗, and a one-line verdict."""
    width = max(len(r.label) for r in results)
    lines = []
    for result in results:
        lines.append(f"{result.mark} {result.label:<{width}}  {result.detail}")
        if not result.ok:
            lines.append(f"  {'':<{width}}  fix: {result.fix}")
    failed = sum(not r.ok for r in results)
    warned = sum(r.ok and r.warning for r in results)
    if failed:
        verdict = f"{failed} of {len(results)} checks failed: fix the ✗ rows above."
    else:
        verdict = f"All {len(results)} checks passed" + (
            f" ({warned} warning{'s' if warned > 1 else ''})." if warned else "."
        )
    lines.append(verdict)
    return "\n".join(lines)


# The README's Troubleshooting section ---------------------------------------------------------

README_START = "<!-- troubleshooting:start (generated by `make readme-troubleshooting`) -->"
README_END = "<!-- troubleshooting:end -->"


@dataclass(frozen=True)
class Trouble:
    """One README row: what goes wrong, and the fix the doctor or the error message prints."""

    problem: str
    fix: str
    command: bool = False
    """The fix is one shell command (shown as code); otherwise it is prose with its own."""


def troubles() -> list[Trouble]:
    """Every fix the doctor and the error handler can show, with the problem it answers."""
    return [
        Trouble(
            "`ImportError … incompatible architecture (have 'x86_64', need 'arm64')`, `wrong ELF "
            "class`, or `cannot open shared object file` about a file that exists: the "
            "environment was built for another CPU. Rebuild it natively",
            FIX_REBUILD_VENV,
            command=True,
        ),
        Trouble(
            "One package is broken (`undefined symbol`, or doctor shows a ✗ for it)",
            native_fix("PACKAGE"),
        ),
        Trouble(
            "A system library is missing (`libcairo.so.2: cannot open shared object file`), or "
            "`manim imports` fails",
            FIX_STACK,
            command=True,
        ),
        Trouble("Python is too old or for the wrong CPU", FIX_PYTHON),
        Trouble("`latex` or `dvisvgm` missing, or MathTex does not compile", FIX_LATEX),
        Trouble("No fonts found", FIX_FONTS),
        Trouble("The output directory is read-only or not a directory", FIX_OUTPUT_DIR),
        Trouble("No space left on device", FIX_DISK_SPACE),
        Trouble(
            "manim (or another package) is not the version in `requirements.lock`",
            FIX_REBUILD_VENV,
            command=True,
        ),
        Trouble("A doctor check itself crashed", FIX_CHECK_CRASHED),
    ]


def troubleshooting_markdown() -> str:
    """The README section, between its markers."""
    rows = "\n".join(
        f"| {t.problem} | {f'`{t.fix}`' if t.command else t.fix} |" for t in troubles()
    )
    return (
        f"{README_START}\n"
        "Run `render.py doctor` first: it checks everything below and prints the fix for each ✗.\n"
        "Rendering in Docker for your CPU also sidesteps the local set-up: "
        "`docker run --platform linux/arm64 …` (or `linux/amd64`).\n\n"
        "| problem | fix |\n| --- | --- |\n"
        f"{rows}\n"
        f"{README_END}"
    )


def update_readme(readme: Path) -> bool:
    """Rewrite the Troubleshooting section of ``readme`` in place; True if it changed."""
    body = troubleshooting_markdown().removeprefix(README_START).removesuffix(README_END)
    return write_block(readme, README_START, README_END, body)


if __name__ == "__main__":
    # `python -m lowrank_anim.health.doctor --readme README.md` regenerates the section.
    if sys.argv[1:2] == ["--readme"] and len(sys.argv) == 3:
        changed = update_readme(Path(sys.argv[2]))
        print(f"{sys.argv[2]}: troubleshooting section {'updated' if changed else 'up to date'}")
    else:
        print(format_table(run_checks(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("media"))))
