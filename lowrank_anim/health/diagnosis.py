"""Known environmental failures, turned into a short message that says what to do.

The CLI's error handler asks :func:`explain` about every unexpected exception before printing
the generic one-liner.  It recognises:

* the render stack failing to load a native extension: a binary built for another CPU (the
  seed's ``mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64')``;
  on Linux glibc says ``cannot open shared object file: No such file or directory`` about a file
  that exists, or ``wrong ELF class``), a library it links to missing (``libcairo.so.2: cannot
  open shared object file``), built against other library versions (``undefined symbol``), or
  damaged (``ELF load command address/offset not properly aligned``).  The diagnosis reads the
  binaries' headers (:mod:`lowrank_anim.health.native`), so it names which file is which
  architecture and which the interpreter is — it works precisely when ``import cairo`` does not;
* LaTeX or dvisvgm missing from PATH;
* a full disk or a read-only output directory (:func:`lowrank_anim.core.outputs.disk_error`).

Every fix text lives here as a constant; ``render.py doctor`` and the README's Troubleshooting
section use the same strings.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lowrank_anim.core.outputs import OutputDirError, UnsafeNameError, disk_error
from lowrank_anim.health import archcheck, native

FIX_REBUILD_VENV = "rm -rf .venv && make venv"
FIX_SYSTEM_DEPS = "make system-deps"
FIX_LATEX = (
    "`sudo apt-get install texlive-latex-base texlive-latex-extra texlive-fonts-recommended "
    "dvisvgm` or `make system-deps`"
)
DOCKER_IMAGE = "lowrank-anim"


def fix_reinstall(distribution: str) -> str:
    """The pip command that rebuilds one distribution's binaries for this interpreter."""
    return f"pip install --force-reinstall --no-cache-dir {distribution}"


def fix_docker(arch: str) -> str:
    """Render in the Docker image built for this machine's CPU."""
    return (
        f"docker build --platform linux/{arch} -t {DOCKER_IMAGE} . && "
        f"docker run --platform linux/{arch} {DOCKER_IMAGE} …"
    )


@dataclass(frozen=True)
class Diagnosis:
    """What the user sees: ``message`` (first line the problem, then indented lines of advice)."""

    message: str
    exit_code: int = 1


def explain(exc: BaseException) -> Diagnosis | None:
    """A diagnosis for a known environmental failure anywhere in ``exc``'s chain, else None."""
    for current in _chain(exc):
        if isinstance(current, UnsafeNameError):
            return Diagnosis(str(current), 2)
        if isinstance(current, ImportError):
            found = explain_import_error(current)
            if found is not None:
                return found
        if isinstance(current, FileNotFoundError):
            found = explain_missing_tool(current)
            if found is not None:
                return found
        if isinstance(current, OutputDirError):
            return Diagnosis(str(current))
        # Elsewhere (a cache, a temp dir) only a full or read-only disk is surely not a bug.
        if isinstance(current, OSError) and current.errno in _FULL_OR_READ_ONLY:
            refused = disk_error(current, Path(str(current.filename or "the disk")))
            if refused is not None:
                return Diagnosis(str(refused))
    return None


_FULL_OR_READ_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# Missing tools --------------------------------------------------------------------------------

_LATEX_TOOLS = frozenset({"latex", "pdflatex", "xelatex", "lualatex", "dvisvgm"})


def explain_missing_tool(exc: FileNotFoundError) -> Diagnosis | None:
    """manim runs ``latex`` and ``dvisvgm`` with subprocess; missing, they raise this."""
    tool = Path(str(exc.filename or "")).name
    if tool not in _LATEX_TOOLS:
        return None
    return Diagnosis(
        f"LaTeX is needed to draw the formulas, but `{tool}` is not on PATH; "
        f"install it: {FIX_LATEX}"
    )


# Loader failures ------------------------------------------------------------------------------

_LOADER_SIGNS = re.compile(
    r"dlopen|cannot open shared object file|wrong ELF class|invalid ELF header|undefined symbol"
    r"|Symbol not found|incompatible architecture|not properly aligned|Library not loaded"
    r"|file too short|DLL load failed|version `GLIBC|mach-o"
)
_BINARY_PATH = re.compile(r"(/[^\s:'\"(),]+?\.(?:so|dylib|pyd)(?:\.[0-9.]+)?)(?=[\s:'\",)]|$)")
_MISSING_LIBRARY = re.compile(r"([\w.+-]+\.so[.0-9]*): cannot open shared object file")
_MAC_MISSING_LIBRARY = re.compile(r"Library not loaded: '?([^\s']+)")
_SYMBOL = re.compile(r"(?:undefined symbol|Symbol not found):?\s*'?([^\s',]+)")

#: Top-level modules whose absence means "the environment was never built".
_STACK_MODULES = frozenset({"manim", *(p.import_name for p in native.RENDER_STACK)})


def explain_import_error(exc: ImportError) -> Diagnosis | None:
    """A diagnosis if ``exc`` is the render stack failing to load, else None."""
    message = str(exc)
    if isinstance(exc, ModuleNotFoundError):
        top = (exc.name or "").partition(".")[0]
        if top not in _STACK_MODULES:
            return None
        return Diagnosis(
            f"the rendering stack is not installed ({message}); "
            f"build the environment: {FIX_REBUILD_VENV}"
        )
    binary = _failing_binary(exc)
    if _LOADER_SIGNS.search(message) is None and binary is None:
        return None
    host = archcheck.host_arch()
    header = _read_arch(binary)
    have_need = archcheck.parse_arch_error(message)
    others = _foreign_stack_binaries(host, exclude=binary)
    wrong_arch = (
        have_need is not None
        or "wrong ELF class" in message
        or (header is not None and not header.supports(host))
    )
    distribution = native.distribution_of(binary) if binary else None
    reinstall = [f"    {fix_reinstall(distribution)}"] if distribution else []
    where = str(binary) if binary else "a native extension"

    if wrong_arch:
        if header is not None:
            what = f"{where} is {header.describe()}"
        elif have_need is not None:
            what = f"{where} is {archcheck.human_arch(have_need[0])}"
        else:
            what = f"{where} is built for another CPU"
        need = have_need[1] if have_need is not None and header is None else host
        lines = [
            f"the rendering stack cannot load: {what}, but this Python runs as "
            f"{_arch_words(need)}.",
            *_also_foreign(others),
            *_rosetta_hint(),
            "  The environment was built for another CPU (a venv or wheel cache copied from "
            "another machine, or packages from an x86_64 conda/Homebrew). Fix, one of:",
            f"    {FIX_REBUILD_VENV}    (rebuild the environment natively)",
            *reinstall,
            f"    {fix_docker(_native_arch(need))}",
            "  `render.py doctor` checks every binary.",
        ]
        return Diagnosis("\n".join(lines))

    symbol = _SYMBOL.search(message)
    if symbol is not None or "version `GLIBC" in message:
        detail = f"undefined symbol {symbol[1]}" if symbol else _first_line(message)
        return Diagnosis(
            f"the rendering stack cannot load {where}: it was built against other versions of "
            f"the libraries it links to ({detail}); {_reinstall_advice(distribution)}"
        )

    missing = _MISSING_LIBRARY.search(message) or _MAC_MISSING_LIBRARY.search(message)
    if missing is not None and (binary is None or Path(missing[1]).name != binary.name):
        return Diagnosis(
            f"the rendering stack cannot load {where}: the system library {missing[1]} is not "
            f"installed; install the system packages: {FIX_SYSTEM_DEPS} "
            f"(then, if it persists: {FIX_REBUILD_VENV})"
        )

    return Diagnosis(
        f"the rendering stack cannot load {where} ({_first_line(message)}); the file is damaged "
        f"or not built for this system; {_reinstall_advice(distribution)}"
    )


def _reinstall_advice(distribution: str | None) -> str:
    if distribution is None:
        return f"rebuild the environment: {FIX_REBUILD_VENV}"
    return f"reinstall it: {fix_reinstall(distribution)} (or rebuild: {FIX_REBUILD_VENV})"


def _failing_binary(exc: ImportError) -> Path | None:
    """The native file the loader choked on: CPython records it on the ImportError."""
    if exc.path and Path(exc.path).suffix in {".so", ".dylib", ".pyd"}:
        return Path(exc.path)
    match = _BINARY_PATH.search(str(exc))
    return Path(match[1]) if match else None


def _read_arch(binary: Path | None) -> archcheck.BinaryArch | None:
    if binary is None:
        return None
    try:
        return archcheck.read_binary_arch(binary)
    except OSError:
        return None


def _foreign_stack_binaries(host: str, exclude: Path | None) -> list[Path]:
    try:
        stack = native.stack_binaries()
    except Exception:  # a diagnosis must never fail on top of the failure it explains
        return []
    return [
        path
        for package in stack
        for path, _arch in package.foreign(host)
        if exclude is None or path != exclude
    ]


def _also_foreign(others: list[Path]) -> list[str]:
    if not others:
        return []
    shown = ", ".join(str(p) for p in others[:2])
    more = f" and {len(others) - 2} more" if len(others) > 2 else ""
    return [f"  Other binaries for the wrong CPU: {shown}{more}."]


def _arch_words(arch: str) -> str:
    human = archcheck.human_arch(arch)
    return arch if human == arch else f"{arch} ({human})"


def _native_arch(process_arch: str) -> str:
    """The machine's own architecture: under Rosetta an x86_64 process runs on arm64."""
    return "arm64" if archcheck.rosetta_translated() else process_arch


def _rosetta_hint() -> list[str]:
    if archcheck.rosetta_translated():
        return [
            "  This Python itself runs translated by Rosetta 2 (x86_64 on an Apple Silicon Mac); "
            "a native arm64 Python avoids mixing architectures."
        ]
    return []


def _first_line(message: str) -> str:
    """The first line of a loader message, without the file name it starts with."""
    line = message.strip().splitlines()[0] if message.strip() else "no message"
    match = _BINARY_PATH.match(line)
    return line[match.end() :].lstrip(": ") if match else line
