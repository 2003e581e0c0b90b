"""lowrank_anim.health.archcheck: crafted headers on disk, real binaries, the tree check and CLI.

The headers are the minimum the parser reads, written to real files so the file-reading paths are
exercised the same way the Docker build exercises them.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowrank_anim.health import archcheck
from lowrank_anim.health.archcheck import (
    BinaryArch,
    check_tree,
    find_native_binaries,
    host_arch,
    human_arch,
    interpreter_binary_arch,
    main,
    normalise_arch,
    parse_arch_error,
    parse_binary_header,
    read_binary_arch,
    scan_tree,
)

EM_386, EM_X86_64, EM_ARM, EM_AARCH64, EM_PPC64, EM_S390, EM_RISCV = 3, 62, 40, 183, 21, 22, 243
CPU_X86_64, CPU_ARM64, CPU_X86, CPU_ARM = 0x01000007, 0x0100000C, 7, 12


def elf(machine: int, *, bits: int = 64, little: bool = True, e_type: int = 3) -> bytes:
    """An ELF header (ET_DYN by default), padded to its real size."""
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if little else 2, 1]) + bytes(9)
    body = struct.pack("<HHI" if little else ">HHI", e_type, machine, 1)
    return (ident + body).ljust(52 if bits == 32 else 64, b"\0")


def macho(cputype: int, *, bits: int = 64, little: bool = True) -> bytes:
    """A thin Mach-O header for a dylib (MH_DYLIB = 6) with no load commands."""
    magic = 0xFEEDFACF if bits == 64 else 0xFEEDFACE
    fmt = ("<" if little else ">") + ("IiiIIIII" if bits == 64 else "IiiIIII")
    fields = [magic, cputype, 0, 6, 0, 0, 0] + ([0] if bits == 64 else [])
    return struct.pack(fmt, *fields)


def fat(*cputypes: int, is_64: bool = False) -> bytes:
    """A universal header listing ``cputypes``, followed by a thin slice for each."""
    header = struct.pack(">II", 0xCAFEBABF if is_64 else 0xCAFEBABE, len(cputypes))
    slices = b""
    for i, cputype in enumerate(cputypes):
        offset = 4096 * (i + 1)
        if is_64:
            header += struct.pack(">iiQQII", cputype, 0, offset, 32, 12, 0)
        else:
            header += struct.pack(">iiIII", cputype, 0, offset, 32, 12)
    for cputype in cputypes:
        slices += macho(cputype).ljust(4096, b"\0")
    return header.ljust(4096, b"\0") + slices


JAVA_CLASS = b"\xca\xfe\xba\xbe" + struct.pack(">HHH", 0, 61, 16) + b"\x07\x00\x02" * 10


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# Header parsing


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (elf(EM_X86_64), BinaryArch("ELF", ("amd64",))),
        (elf(EM_AARCH64), BinaryArch("ELF", ("arm64",))),
        (elf(EM_386, bits=32), BinaryArch("ELF", ("386",))),
        (elf(EM_ARM, bits=32), BinaryArch("ELF", ("arm",))),
        (elf(EM_S390, little=False), BinaryArch("ELF", ("s390x",))),
        (elf(EM_PPC64), BinaryArch("ELF", ("ppc64le",))),
        (elf(EM_PPC64, little=False), BinaryArch("ELF", ("ppc64",))),
        (elf(EM_RISCV), BinaryArch("ELF", ("riscv64",))),
        (elf(9999), BinaryArch("ELF", ("unknown(9999)",))),
        (macho(CPU_X86_64), BinaryArch("Mach-O", ("amd64",))),
        (macho(CPU_ARM64), BinaryArch("Mach-O", ("arm64",))),
        (macho(CPU_X86, bits=32), BinaryArch("Mach-O", ("386",))),
        (macho(CPU_ARM, bits=32, little=False), BinaryArch("Mach-O", ("arm",))),
        (macho(CPU_X86_64, little=False), BinaryArch("Mach-O", ("amd64",))),
        (fat(CPU_X86_64, CPU_ARM64), BinaryArch("Mach-O universal", ("amd64", "arm64"))),
        (fat(CPU_X86_64), BinaryArch("Mach-O universal", ("amd64",))),
        (
            fat(CPU_ARM64, CPU_X86_64, is_64=True),
            BinaryArch("Mach-O universal", ("arm64", "amd64")),
        ),
    ],
    ids=[
        "elf-amd64",
        "elf-arm64",
        "elf-386",
        "elf-arm",
        "elf-s390x-be",
        "elf-ppc64le",
        "elf-ppc64-be",
        "elf-riscv64",
        "elf-unknown",
        "macho-amd64",
        "macho-arm64",
        "macho-386",
        "macho-arm-be",
        "macho-amd64-be",
        "fat-both",
        "fat-x86_64-only",
        "fat64-both",
    ],
)
def test_reads_arch_from_file(tmp_path: Path, data: bytes, expected: BinaryArch) -> None:
    assert read_binary_arch(write(tmp_path / "bin", data)) == expected


@pytest.mark.parametrize(
    "data",
    [
        JAVA_CLASS,
        b"",
        b"\x7fEL",
        b"\x7fELF\x02\x01",  # truncated before e_machine
        b"\x7fELF\x07\x01" + bytes(58),  # invalid EI_CLASS
        b"\xcf\xfa\xed\xfe",  # Mach-O magic without a cputype
        b"\xca\xfe\xba\xbe\x00\x00\x00\x00",  # universal with no slices
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + bytes(20),  # claims 2 slices, holds 1
        b"#!/bin/sh\necho hello\n",
        b"/* GNU ld script */\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 )\n",
    ],
    ids=[
        "java-class",
        "empty",
        "short",
        "elf-truncated",
        "elf-bad-class",
        "macho-truncated",
        "fat-zero",
        "fat-truncated",
        "shell-script",
        "linker-script",
    ],
)
def test_non_binaries_read_as_none(tmp_path: Path, data: bytes) -> None:
    assert read_binary_arch(write(tmp_path / "file", data)) is None


def test_directory_reads_as_none_but_missing_file_raises(tmp_path: Path) -> None:
    assert read_binary_arch(tmp_path) is None
    with pytest.raises(FileNotFoundError):
        read_binary_arch(tmp_path / "missing.so")


@given(st.binary(max_size=1200))
def test_random_bytes_never_raise(data: bytes) -> None:
    result = parse_binary_header(data)
    assert result is None or isinstance(result, BinaryArch)


@given(
    st.sampled_from(
        [
            b"\x7fELF",
            b"\xca\xfe\xba\xbe",
            b"\xca\xfe\xba\xbf",
            b"\xcf\xfa\xed\xfe",
            b"\xfe\xed\xfa\xce",
        ]
    ),
    st.binary(max_size=1200),
)
def test_random_bytes_after_a_magic_never_raise(magic: bytes, rest: bytes) -> None:
    result = parse_binary_header(magic + rest)
    assert result is None or len(result.arches) >= 1


@settings(max_examples=50)
@given(st.binary(max_size=2000))
def test_random_files_never_raise(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = write(tmp_path_factory.mktemp("random") / "blob", data)
    assert read_binary_arch(path) is None or path.stat().st_size >= 8


# Names


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("amd64", "amd64"),
        ("x86_64", "amd64"),
        ("AMD64", "amd64"),
        ("linux/amd64", "amd64"),
        ("aarch64", "arm64"),
        ("arm64", "arm64"),
        ("linux/arm64/v8", "arm64"),
        ("arm64e", "arm64"),
        ("i686", "386"),
        ("armv7l", "arm"),
        ("linux/arm/v7", "arm"),
        ("ppc64el", "ppc64le"),
        ("s390x", "s390x"),
        ("riscv64", "riscv64"),
    ],
)
def test_normalise_arch(name: str, canonical: str) -> None:
    assert normalise_arch(name) == canonical


@pytest.mark.parametrize("name", ["", "linux/", "sparc", "x86_65"])
def test_normalise_arch_rejects_unknown(name: str) -> None:
    with pytest.raises(ValueError, match="unknown architecture"):
        normalise_arch(name)


def test_human_names() -> None:
    assert human_arch("amd64") == "x86_64"
    assert human_arch("arm64") == "arm64/aarch64"
    assert human_arch("s390x") == "s390x"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "dlopen(/venv/lib/python3.11/site-packages/cairo/_cairo.cpython-311-darwin.so, 2): "
            "tried: '/venv/.../_cairo.cpython-311-darwin.so' (mach-o file, but is an incompatible "
            "architecture (have 'x86_64', need 'arm64'))",
            ("amd64", "arm64"),
        ),
        (
            "(mach-o file, but is an incompatible architecture (have (arm64), need (x86_64h)))",
            ("arm64", "x86_64h"),
        ),
        ("incompatible architecture (have 'x86_64', need 'arm64e' or 'arm64')", ("amd64", "arm64")),
        ("No module named 'cairo'", None),
    ],
)
def test_parse_arch_error(message: str, expected: tuple[str, str] | None) -> None:
    assert parse_arch_error(message) == expected


# This interpreter


def test_interpreter_and_extension_match_host() -> None:
    interpreter = interpreter_binary_arch()
    assert interpreter is not None
    assert interpreter.supports(host_arch())
    import _ctypes

    if getattr(_ctypes, "__file__", None) is None:
        pytest.skip("_ctypes is built into this interpreter")
    extension = read_binary_arch(_ctypes.__file__)
    assert extension is not None
    assert extension.arches == (host_arch(),)


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        ("x86_64", "amd64"),
        ("AMD64", "amd64"),
        ("aarch64", "arm64"),
        ("arm64", "arm64"),
        ("weird9", "weird9"),
    ],
)
def test_host_arch_normalises_platform_machine(
    monkeypatch: pytest.MonkeyPatch, machine: str, expected: str
) -> None:
    monkeypatch.setattr("platform.machine", lambda: machine)
    assert host_arch() == expected


def test_rosetta_is_unknown_off_macos() -> None:
    if sys.platform != "darwin":
        assert archcheck.rosetta_translated() is None


# Trees

CAIRO = "lib/python3.11/site-packages/cairo/_cairo.cpython-311-x86_64-linux-gnu.so"


def make_venv(root: Path, arch_machine: int) -> Path:
    """A venv-like tree of right-arch binaries, non-binaries and a symlink loop."""
    pkgs = root / "lib/python3.11/site-packages"
    write(pkgs / "numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", elf(arch_machine))
    write(pkgs / "numpy.libs/libopenblas64_p-r0.3.27.so", elf(arch_machine))
    write(pkgs / "PIL/libjpeg.so.62.4.0", elf(arch_machine))
    write(root / "bin/ffmpeg", elf(arch_machine, e_type=2))
    write(pkgs / "numpy/__init__.py", b"import os\n")
    write(pkgs / "numpy/__pycache__/__init__.cpython-311.pyc", b"\xa7\r\r\n" + bytes(12))
    write(pkgs / "jpype/Example.class", JAVA_CLASS)
    write(root / "lib/libc.so", b"/* GNU ld script */\nGROUP ( libc.so.6 )\n")
    (pkgs / "numpy/loop").symlink_to(pkgs, target_is_directory=True)
    (root / "bin/dangling").symlink_to(root / "nowhere")
    return root


def test_find_native_binaries_by_header_not_name(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv", EM_X86_64)
    found = sorted(p.relative_to(venv).as_posix() for p in find_native_binaries(venv))
    assert found == [
        "bin/ffmpeg",
        "lib/python3.11/site-packages/PIL/libjpeg.so.62.4.0",
        "lib/python3.11/site-packages/numpy.libs/libopenblas64_p-r0.3.27.so",
        "lib/python3.11/site-packages/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
    ]


def test_symlinks_below_a_root_are_not_followed(tmp_path: Path) -> None:
    real = write(tmp_path / "usr/bin/python3.11", elf(EM_X86_64, e_type=2))
    (tmp_path / "usr/bin/python3").symlink_to("python3.11")
    venv = tmp_path / "venv"
    write(venv / "lib/libfoo.so.1.2", elf(EM_X86_64))
    (venv / "lib/libfoo.so.1").symlink_to("libfoo.so.1.2")
    (venv / "lib/libfoo-hard.so.1").hardlink_to(venv / "lib/libfoo.so.1.2")
    (venv / "bin").mkdir()
    (venv / "bin/python3").symlink_to(real)
    assert list(find_native_binaries(venv)) == [venv / "lib/libfoo-hard.so.1"]
    assert list(find_native_binaries(tmp_path / "usr/bin/python3")) == [
        tmp_path / "usr/bin/python3"
    ]
    with pytest.raises(FileNotFoundError):
        list(find_native_binaries(tmp_path / "missing"))


def test_scan_tree_counts_a_file_once_across_roots(tmp_path: Path) -> None:
    python = write(tmp_path / "venv/bin/python3.11", elf(EM_X86_64, e_type=2))
    assert [path for path, _ in scan_tree([tmp_path / "venv", python])] == [python]


def test_check_tree_finds_planted_wrong_arch(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv", EM_AARCH64)
    write(venv / CAIRO, elf(EM_X86_64))
    mismatches = check_tree([venv], "linux/arm64")
    assert [(m.path, m.found, m.expected) for m in mismatches] == [
        (venv / CAIRO, ("amd64",), "arm64")
    ]
    assert mismatches[0].describe() == (
        f"{venv / CAIRO} is ELF amd64 (x86_64), expected arm64 (arm64/aarch64)"
    )
    assert check_tree([venv], "arm64", ignore=["*/cairo/*"]) == []


def test_check_tree_universal_passes_if_it_has_the_slice(tmp_path: Path) -> None:
    write(tmp_path / "both.dylib", fat(CPU_X86_64, CPU_ARM64))
    write(tmp_path / "intel.dylib", fat(CPU_X86_64))
    mismatches = check_tree([tmp_path], "aarch64")
    assert [(m.path.name, m.found, m.format) for m in mismatches] == [
        ("intel.dylib", ("amd64",), "Mach-O universal")
    ]
    assert check_tree([tmp_path], "x86_64") == []


# Command line


def test_main_success(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    venv = make_venv(tmp_path / "venv", EM_X86_64)
    python = write(tmp_path / "python3.11", elf(EM_X86_64, e_type=2))
    assert main(["--expect", "amd64", str(venv), str(python)]) == 0
    out = capsys.readouterr()
    assert out.out == f"archcheck: 5 native binaries under {venv}, {python} are all amd64\n"
    assert out.err == ""


def test_main_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    venv = make_venv(tmp_path / "venv", EM_AARCH64)
    write(venv / CAIRO, elf(EM_X86_64))
    assert main(["--expect", "linux/arm64", str(venv)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"archcheck: {venv / CAIRO} is ELF amd64 (x86_64), expected arm64 (arm64/aarch64)",
        "archcheck: 1 of 5 native binaries are not arm64; install them inside a "
        "`docker build --platform linux/arm64` (never copy a venv, wheel cache or site-packages "
        "built on another architecture)",
    ]


def test_main_nothing_found_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "empty/readme.txt", b"hi\n")
    assert main(["--expect", "amd64", str(tmp_path / "empty")]) == 1
    assert "nothing was checked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/tmp"], "archcheck: error: the following arguments are required: --expect\n"),
        (["--expect", "amd64"], "archcheck: error: the following arguments are required: PATH\n"),
        (
            ["--expect", "sparc", "/tmp"],
            "archcheck: error: --expect: unknown architecture 'sparc' "
            "(expected one of amd64, arm64, 386, arm, ppc64le, s390x, riscv64)\n",
        ),
        (
            ["--expect", "amd64", "/no/such/venv"],
            "archcheck: error: no such file or directory: /no/such/venv\n",
        ),
        (
            ["--bogus", "--expect", "amd64", "/tmp"],
            "archcheck: error: unrecognized arguments: --bogus\n",
        ),
    ],
)
def test_main_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", message)


def test_main_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--expect ARCH" in capsys.readouterr().out


def test_runs_as_module_on_the_real_interpreter() -> None:
    import subprocess

    python = os.path.realpath(sys.executable)
    result = subprocess.run(
        [sys.executable, "-m", "lowrank_anim.health.archcheck", "--expect", host_arch(), python],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"archcheck: 1 native binary under {python} is {host_arch()}\n",
        "",
    )
