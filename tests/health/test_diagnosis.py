"""lowrank_anim.health.diagnosis: the loader errors users really hit, each explained with a fix."""

from __future__ import annotations

import errno
import shutil
import struct
from pathlib import Path

import pytest

from lowrank_anim.core.outputs import OutputDirError, UnsafeNameError
from lowrank_anim.health import archcheck, diagnosis, native
from lowrank_anim.health.diagnosis import FIX_LATEX, FIX_REBUILD_VENV, FIX_SYSTEM_DEPS, explain

SEED = Path("/work/shared/seed")
# The seed notebook's last line, verbatim (kept here so the test does not depend on /work).
SEED_ERROR = (
    "dlopen(/Users/alex/mambaforge/lib/python3.10/site-packages/cairo/_cairo.cpython-310-darwin."
    "so, 0x0002): tried: '/Users/alex/mambaforge/lib/python3.10/site-packages/cairo/_cairo."
    "cpython-310-darwin.so' (mach-o file, but is an incompatible architecture (have 'x86_64', "
    "need 'arm64')), '/System/Volumes/Preboot/Cryptexes/OS/Users/alex/mambaforge/lib/python3.10/"
    "site-packages/cairo/_cairo.cpython-310-darwin.so' (no such file), '/Users/alex/mambaforge/"
    "lib/python3.10/site-packages/cairo/_cairo.cpython-310-darwin.so' (mach-o file, but is an "
    "incompatible architecture (have 'x86_64', need 'arm64'))"
)
EM_AARCH64 = 183


def cairo_extension() -> Path:
    found = native.package_binaries(native.RENDER_STACK[0])
    return next(path for path, _arch in found.binaries if path.name.startswith("_cairo"))


@pytest.fixture
def foreign_cairo(tmp_path: Path) -> Path:
    """A copy of the real cairo extension with its ELF e_machine patched to aarch64."""
    target = tmp_path / "site-packages" / "cairo" / cairo_extension().name
    target.parent.mkdir(parents=True)
    shutil.copyfile(cairo_extension(), target)
    with open(target, "r+b") as f:
        f.seek(18)
        f.write(struct.pack("<H", EM_AARCH64))
    return target


def test_the_seed_error_is_explained() -> None:
    seed_file = next(SEED.glob("*.txt"), None) if SEED.is_dir() else None
    if seed_file is not None:
        assert SEED_ERROR in seed_file.read_text(encoding="utf-8")
    found = explain(ImportError(SEED_ERROR))
    assert found is not None
    first, *advice = found.message.splitlines()
    assert first == (
        "the rendering stack cannot load: /Users/alex/mambaforge/lib/python3.10/site-packages/"
        "cairo/_cairo.cpython-310-darwin.so is x86_64, but this Python runs as arm64 "
        "(arm64/aarch64)."
    )
    text = "\n".join(advice)
    assert FIX_REBUILD_VENV in text
    assert "pip install --force-reinstall --no-cache-dir pycairo" in text
    assert "--platform linux/arm64" in text
    assert "Traceback" not in found.message
    assert found.exit_code == 1


def test_linux_wrong_architecture_reads_the_file(foreign_cairo: Path) -> None:
    """glibc says "No such file or directory" about a file that exists but is for another CPU:
    the diagnosis reads its header and says what it really is."""
    message = f"{foreign_cairo}: cannot open shared object file: No such file or directory"
    found = explain(ImportError(message, name="cairo._cairo", path=str(foreign_cairo)))
    assert found is not None
    host = archcheck.host_arch()
    assert found.message.splitlines()[0] == (
        f"the rendering stack cannot load: {foreign_cairo} is ELF arm64 (arm64/aarch64), but "
        f"this Python runs as {host} ({archcheck.human_arch(host)})."
    )
    assert "pip install --force-reinstall --no-cache-dir pycairo" in found.message


def test_wrong_elf_class() -> None:
    message = (
        "/x/site-packages/PIL/_imaging.cpython-311-x86_64-linux-gnu.so: wrong ELF class: ELFCLASS32"
    )
    found = explain(ImportError(message))
    assert found is not None
    assert "is built for another CPU" in found.message
    assert "pip install --force-reinstall --no-cache-dir pillow" in found.message


def test_missing_system_library() -> None:
    message = "libcairo.so.2: cannot open shared object file: No such file or directory"
    found = explain(ImportError(message, name="cairo._cairo", path=str(cairo_extension())))
    assert found is not None
    assert found.message == (
        f"the rendering stack cannot load {cairo_extension()}: the system library libcairo.so.2 "
        f"is not installed; install the system packages: {FIX_SYSTEM_DEPS} (then, if it "
        f"persists: {FIX_REBUILD_VENV})"
    )


def test_undefined_symbol() -> None:
    path = "/v/lib/python3.11/site-packages/cairo/_cairo.cpython-311-x86_64-linux-gnu.so"
    found = explain(ImportError(f"{path}: undefined symbol: cairo_tag_begin"))
    assert found is not None
    assert found.message == (
        f"the rendering stack cannot load {path}: it was built against other versions of the "
        "libraries it links to (undefined symbol cairo_tag_begin); reinstall it: pip install "
        f"--force-reinstall --no-cache-dir pycairo (or rebuild: {FIX_REBUILD_VENV})"
    )


def test_misaligned_elf() -> None:
    path = "/v/site-packages/numpy/_core/_multiarray_umath.cpython-311-aarch64-linux-gnu.so"
    found = explain(ImportError(f"{path}: ELF load command address/offset not properly aligned"))
    assert found is not None
    assert found.message == (
        f"the rendering stack cannot load {path} (ELF load command address/offset not properly "
        "aligned); the file is damaged or not built for this system; reinstall it: pip install "
        f"--force-reinstall --no-cache-dir numpy (or rebuild: {FIX_REBUILD_VENV})"
    )


def test_stack_not_installed() -> None:
    found = explain(ModuleNotFoundError("No module named 'manim'", name="manim"))
    assert found is not None
    assert found.message == (
        "the rendering stack is not installed (No module named 'manim'); build the environment: "
        f"{FIX_REBUILD_VENV}"
    )


@pytest.mark.parametrize("tool", ["latex", "dvisvgm"])
def test_missing_latex(tool: str) -> None:
    found = explain(FileNotFoundError(errno.ENOENT, "No such file or directory", tool))
    assert found is not None
    assert found.message == (
        f"LaTeX is needed to draw the formulas, but `{tool}` is not on PATH; install it: "
        f"{FIX_LATEX}"
    )
    assert "sudo apt-get install texlive-latex-base" in found.message


def test_disk_and_name_errors() -> None:
    full = explain(OSError(errno.ENOSPC, "No space left on device", "/tmp/x.svg"))
    assert full is not None
    assert full.message == (
        "cannot write to '/tmp/x.svg': no space left on device; free some space or choose "
        "another --output-dir"
    )
    refused = explain(OutputDirError("cannot write to 'x': read-only file system; …"))
    assert refused is not None
    assert refused.message.startswith("cannot write to 'x'")
    name = explain(UnsafeNameError("scene name '..' cannot be used as a file name: …"))
    assert name is not None
    assert name.exit_code == 2


@pytest.mark.parametrize(
    "error",
    [
        ImportError("cannot import name 'Foo' from 'scenes.base'", name="scenes.base"),
        ModuleNotFoundError("No module named 'yaml'", name="yaml"),
        FileNotFoundError(errno.ENOENT, "No such file or directory", "params.toml"),
        OSError(errno.EACCES, "Permission denied", "/etc/shadow"),
        ValueError("something else"),
    ],
)
def test_unrelated_errors_are_left_alone(error: BaseException) -> None:
    """Bugs and user mistakes keep their own message: no misleading "rebuild your venv"."""
    assert explain(error) is None


def test_the_cause_chain_is_searched() -> None:
    outer = RuntimeError("scene failed to load")
    outer.__cause__ = ImportError(SEED_ERROR)
    assert explain(outer) is not None


def test_under_rosetta_the_docker_platform_is_the_machines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archcheck, "rosetta_translated", lambda: True)
    message = SEED_ERROR.replace("have 'x86_64', need 'arm64'", "have 'arm64', need 'x86_64'")
    found = explain(ImportError(message))
    assert found is not None
    assert "--platform linux/arm64" in found.message
    assert "Rosetta 2" in found.message
    assert diagnosis.fix_docker("arm64") in found.message
