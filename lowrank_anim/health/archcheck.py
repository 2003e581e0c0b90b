"""Read the CPU architecture of native binaries from their headers, with the standard library only.

Why this exists: the render stack loads compiled code (cairo, pango, numpy, av), and the most
confusing failure a user can hit is a binary built for the wrong CPU, e.g. on Apple Silicon
"mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64')", or an amd64 venv
copied into an arm64 image. This module is the one place that knows how to tell:

* at Docker build time, ``python3 -m lowrank_anim.health.archcheck --expect amd64 /opt/venv
  /usr/bin/python3.11`` fails the build if any binary in the venv is of another architecture;
* ``render.py doctor`` and the import-error handler use :func:`host_arch`,
  :func:`interpreter_binary_arch` and :func:`parse_arch_error` to explain the problem.

It must keep working when ``import cairo`` (or numpy) is itself the broken thing, so it imports
nothing outside the standard library. Architecture names are canonical Docker/Go ``TARGETARCH``
names (``amd64``, ``arm64``, ``386``, ``arm``, ``ppc64le``, ``s390x``, ``riscv64``), because that is
what the Dockerfile and ``--platform`` speak; :func:`human_arch` gives the name users recognise.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import platform
import re
import stat
import struct
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NoReturn

__all__ = [
    "CANONICAL_ARCHES",
    "BinaryArch",
    "Mismatch",
    "check_tree",
    "find_native_binaries",
    "host_arch",
    "human_arch",
    "interpreter_binary_arch",
    "main",
    "normalise_arch",
    "parse_arch_error",
    "parse_binary_header",
    "read_binary_arch",
    "rosetta_translated",
    "scan_tree",
]

BinaryFormat = Literal["ELF", "Mach-O", "Mach-O universal"]

CANONICAL_ARCHES: tuple[str, ...] = ("amd64", "arm64", "386", "arm", "ppc64le", "s390x", "riscv64")

_HUMAN_NAMES: dict[str, str] = {
    "amd64": "x86_64",
    "arm64": "arm64/aarch64",
    "386": "i386/x86",
    "arm": "armv7/armhf",
}

# Spellings seen in `uname -m`, platform.machine() (Linux, macOS, Windows), Debian and Docker.
_ALIASES: dict[str, str] = {
    "amd64": "amd64",
    "x86_64": "amd64",
    "x86-64": "amd64",
    "x64": "amd64",
    "arm64": "arm64",
    "aarch64": "arm64",
    "arm64e": "arm64",
    "armv8": "arm64",
    "armv8l": "arm64",
    "386": "386",
    "i386": "386",
    "i486": "386",
    "i586": "386",
    "i686": "386",
    "x86": "386",
    "arm": "arm",
    "armv7": "arm",
    "armv7l": "arm",
    "armv6": "arm",
    "armv6l": "arm",
    "armhf": "arm",
    "armel": "arm",
    "ppc64le": "ppc64le",
    "ppc64el": "ppc64le",
    "powerpc64le": "ppc64le",
    "ppc64": "ppc64",
    "powerpc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64le": "mips64le",
    "mips64el": "mips64le",
    "loong64": "loong64",
    "loongarch64": "loong64",
}
_PLATFORM_OSES = frozenset({"linux", "darwin", "windows", "freebsd", "macos"})

# Enough for an ELF identification + e_machine and for a fat header with the maximum 30 slices.
_HEADER_BYTES = 1024
# A real universal binary has a handful of slices; Java class files share the 0xCAFEBABE magic and
# put their version where nfat_arch would be (45 and up), so anything larger is not Mach-O.
_MAX_FAT_ARCHES = 30

_ELF_MAGIC = b"\x7fELF"
_MACHO_THIN_MAGICS: dict[bytes, tuple[str, int]] = {
    b"\xfe\xed\xfa\xce": (">", 32),
    b"\xfe\xed\xfa\xcf": (">", 64),
    b"\xce\xfa\xed\xfe": ("<", 32),
    b"\xcf\xfa\xed\xfe": ("<", 64),
}
_FAT_MAGIC = b"\xca\xfe\xba\xbe"
_FAT_MAGIC_64 = b"\xca\xfe\xba\xbf"
_MAGICS = frozenset({_ELF_MAGIC, _FAT_MAGIC, _FAT_MAGIC_64, *_MACHO_THIN_MAGICS})

_ELF_MACHINES: dict[int, str] = {3: "386", 62: "amd64", 40: "arm", 183: "arm64", 258: "loong64"}

_CPU_ARCH_ABI64 = 0x01000000
_CPU_ARCH_ABI64_32 = 0x02000000
_MACHO_CPUTYPES: dict[int, str] = {
    7: "386",
    7 | _CPU_ARCH_ABI64: "amd64",
    12: "arm",
    12 | _CPU_ARCH_ABI64: "arm64",
    12 | _CPU_ARCH_ABI64_32: "arm64_32",
    18: "ppc",
    18 | _CPU_ARCH_ABI64: "ppc64",
}


@dataclass(frozen=True)
class BinaryArch:
    """What a binary's header says: its container format and every architecture it carries.

    ``arches`` has one entry for ELF and thin Mach-O, one per slice for a universal binary.
    """

    format: BinaryFormat
    arches: tuple[str, ...]

    def supports(self, arch: str) -> bool:
        """Whether a process of ``arch`` can load this binary (a universal one needs one slice)."""
        return arch in self.arches

    def describe(self) -> str:
        """``ELF amd64 (x86_64)``: the wording used in every message about a binary."""
        return f"{self.format} {'+'.join(_with_human(a) for a in self.arches)}"


@dataclass(frozen=True)
class Mismatch:
    """A native binary that a process of the ``expected`` architecture cannot load."""

    path: Path
    found: tuple[str, ...]
    expected: str
    format: BinaryFormat

    def describe(self) -> str:
        """One line naming the file, what it is, and what it should have been."""
        arch = BinaryArch(self.format, self.found)
        return f"{self.path} is {arch.describe()}, expected {_with_human(self.expected)}"


# Names


def normalise_arch(name: str) -> str:
    """Map any common spelling (``x86_64``, ``aarch64``, ``linux/arm64/v8``) to its canonical name.

    Raises ValueError for a name we do not recognise, so a typo in ``--expect`` cannot silently
    match nothing.
    """
    parts = [p for p in name.strip().lower().split("/") if p]
    if len(parts) > 1 and parts[0] in _PLATFORM_OSES:
        parts = parts[1:]
    key = parts[0] if parts else ""
    try:
        return _ALIASES[key]
    except KeyError:
        known = ", ".join(CANONICAL_ARCHES)
        raise ValueError(f"unknown architecture {name!r} (expected one of {known})") from None


def human_arch(arch: str) -> str:
    """The name people know an architecture by (amd64 is "x86_64"); others are their own alias."""
    return _HUMAN_NAMES.get(arch, arch)


def _with_human(arch: str) -> str:
    human = human_arch(arch)
    return arch if human == arch else f"{arch} ({human})"


# Headers


def parse_binary_header(data: bytes) -> BinaryArch | None:
    """Decode the first bytes of a file; None for anything that is not an ELF or Mach-O header.

    Never raises, whatever ``data`` holds: it is fed every file in a tree, including garbage.
    """
    magic = data[:4]
    if magic == _ELF_MAGIC:
        return _parse_elf(data)
    if magic in _MACHO_THIN_MAGICS:
        endian, _bits = _MACHO_THIN_MAGICS[magic]
        if len(data) < 8:
            return None
        (cputype,) = struct.unpack_from(endian + "i", data, 4)
        return BinaryArch("Mach-O", (_macho_arch(cputype),))
    if magic in (_FAT_MAGIC, _FAT_MAGIC_64):
        return _parse_fat(data, is_64=magic == _FAT_MAGIC_64)
    return None


def _parse_elf(data: bytes) -> BinaryArch | None:
    if len(data) < 20:
        return None
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        return None
    is_64, little = ei_class == 2, ei_data == 1
    (machine,) = struct.unpack_from("<H" if little else ">H", data, 18)
    return BinaryArch("ELF", (_elf_arch(machine, is_64=is_64, little=little),))


def _elf_arch(machine: int, *, is_64: bool, little: bool) -> str:
    # These machines share one e_machine across word sizes or byte orders, which Docker names apart.
    if machine == 21:
        return "ppc64le" if little else "ppc64"
    if machine == 20:
        return "ppcle" if little else "ppc"
    if machine == 22:
        return "s390x" if is_64 else "s390"
    if machine == 243:
        return "riscv64" if is_64 else "riscv32"
    if machine == 8:
        return ("mips64" if is_64 else "mips") + ("le" if little else "")
    return _ELF_MACHINES.get(machine, f"unknown({machine})")


def _macho_arch(cputype: int) -> str:
    return _MACHO_CPUTYPES.get(cputype, f"unknown({cputype})")


def _parse_fat(data: bytes, *, is_64: bool) -> BinaryArch | None:
    if len(data) < 8:
        return None
    (nfat_arch,) = struct.unpack_from(">I", data, 4)
    if not 0 < nfat_arch <= _MAX_FAT_ARCHES:
        return None
    # fat_arch: cputype, cpusubtype, offset, size, align; fat_arch_64 widens offset/size and pads.
    entry_size = 32 if is_64 else 20
    if len(data) < 8 + nfat_arch * entry_size:
        return None
    arches = tuple(
        _macho_arch(struct.unpack_from(">i", data, 8 + i * entry_size)[0]) for i in range(nfat_arch)
    )
    return BinaryArch("Mach-O universal", arches)


def read_binary_arch(path: str | os.PathLike[str]) -> BinaryArch | None:
    """The architecture(s) of the binary at ``path``, or None if it is not an ELF/Mach-O binary.

    Raises FileNotFoundError when ``path`` does not exist, because a mistyped path should be loud
    rather than look like "not a binary". Every other problem (a directory, no permission, a short
    or garbage file) gives None.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(_HEADER_BYTES)
    except FileNotFoundError:
        raise
    except OSError:
        return None
    return parse_binary_header(data)


# This interpreter


def host_arch() -> str:
    """The running interpreter's architecture from ``platform.machine()``, canonicalised.

    This is the architecture of the *process*: under Rosetta 2 it is amd64 on an Apple Silicon Mac,
    which is exactly what decides which extension modules can load. An unrecognised machine name is
    returned lower-cased rather than raising, so a health check can still print it.
    """
    machine = platform.machine()
    try:
        return normalise_arch(machine)
    except ValueError:
        return machine.lower() or "unknown"


def interpreter_binary_arch() -> BinaryArch | None:
    """What the header of ``sys.executable`` (symlinks resolved) says, or None if unreadable.

    This does not depend on what the OS reports, so it exposes a Python installed for the other
    architecture (the usual root of "have 'x86_64', need 'arm64'"). A universal interpreter lists
    both slices; :func:`host_arch` and :func:`rosetta_translated` tell which one is running.
    """
    if not sys.executable:
        return None
    try:
        return read_binary_arch(os.path.realpath(sys.executable))
    except OSError:
        return None


def rosetta_translated() -> bool | None:
    """True if this process is translated by Rosetta 2; None when not on macOS or unknowable.

    Needed to tell a user "your Mac is Apple Silicon but this Python runs as x86_64".
    """
    if sys.platform != "darwin":
        return None
    try:
        out = subprocess.run(
            ["sysctl", "-n", "sysctl.proc_translated"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    # Intel Macs do not have the key at all, which also means "not translated".
    return out.returncode == 0 and out.stdout.strip() == "1"


_DLOPEN_ARCH_ERROR = re.compile(
    r"incompatible architecture \(have\s*[('\"]*(?P<have>[\w-]+)[)'\"]*\s*,\s*"
    r"need\s*[('\"]*(?P<need>[\w-]+)"
)


def parse_arch_error(message: str) -> tuple[str, str] | None:
    """``(have, need)`` canonical names from a macOS dlopen architecture error, else None.

    dlopen words it "mach-o file, but is an incompatible architecture (have 'x86_64', need
    'arm64')" (newer macOS: "(have (x86_64), need (arm64e))"); the error handler turns it into
    advice instead of showing the traceback.
    """
    match = _DLOPEN_ARCH_ERROR.search(message)
    if match is None:
        return None
    names = []
    for raw in (match["have"], match["need"]):
        try:
            names.append(normalise_arch(raw))
        except ValueError:
            names.append(raw)
    return names[0], names[1]


# Trees


def _sniff(path: Path) -> BinaryArch | None:
    """Parse ``path`` only if it starts with a binary magic, so most files cost one 4-byte read."""
    try:
        with open(path, "rb") as f:
            if f.read(4) not in _MAGICS:
                return None
            f.seek(0)
            return parse_binary_header(f.read(_HEADER_BYTES))
    except OSError:
        return None


def _walk_native(root: Path, seen: set[tuple[int, int]]) -> Iterator[tuple[Path, BinaryArch]]:
    """Binaries under ``root``, each file once (``seen`` holds device/inode pairs across roots)."""

    def visit(path: Path, *, follow: bool) -> Iterator[tuple[Path, BinaryArch]]:
        try:
            st = path.stat() if follow else path.lstat()
        except OSError:
            return  # vanished file
        key = (st.st_dev, st.st_ino)
        # Only regular files: a symlink is skipped, a FIFO or device would block or lie.
        if not stat.S_ISREG(st.st_mode) or key in seen:
            return
        seen.add(key)
        arch = _sniff(path)
        if arch is not None:
            yield path, arch

    if not root.exists():
        raise FileNotFoundError(f"no such file or directory: {root}")
    if not root.is_dir():
        yield from visit(root, follow=True)  # /usr/bin/python3 -> python3.11 is a fine root
        return
    # Symlinks below a root are never followed: a symlinked directory could loop, and an absolute
    # link (a venv's bin/python -> /usr/bin/python3.11, or any link in an unpacked rootfs) would
    # check a file outside the tree, under the wrong name. Targets inside the tree are met anyway.
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            yield from visit(Path(dirpath, name), follow=False)


def find_native_binaries(root: Path) -> Iterator[Path]:
    """Every ELF or Mach-O file under ``root`` (or ``root`` itself if it is a file).

    Files are recognised by their header, not their name: ``*.so``, ``*.so.*`` and ``*.dylib``
    extensions are all found, while a text ``libc.so`` linker script or a Java ``.class`` file is
    not. Symlinks below ``root`` are not followed (a root that is a symlink is), so pass an
    interpreter that a venv links to as a root of its own. Hard-linked files come once. Raises
    FileNotFoundError if ``root`` does not exist.
    """
    for path, _arch in _walk_native(root, set()):
        yield path


def scan_tree(
    roots: Iterable[Path], *, ignore: Sequence[str] = ()
) -> Iterator[tuple[Path, BinaryArch]]:
    """Each native binary under ``roots`` with its architecture, skipping ``ignore`` globs.

    A file reachable from several roots (a root inside another, a hard link) comes once.
    """
    seen: set[tuple[int, int]] = set()
    for root in roots:
        for path, arch in _walk_native(Path(root), seen):
            if not any(fnmatch.fnmatch(str(path), pattern) for pattern in ignore):
                yield path, arch


def check_tree(
    roots: Iterable[Path], expected: str, *, ignore: Sequence[str] = ()
) -> list[Mismatch]:
    """Binaries under ``roots`` that a process of ``expected`` cannot load.

    ``expected`` may be any spelling :func:`normalise_arch` accepts. A universal Mach-O passes if
    one of its slices is ``expected``.
    """
    want = normalise_arch(expected)
    return [
        Mismatch(path, arch.arches, want, arch.format)
        for path, arch in scan_tree(roots, ignore=ignore)
        if not arch.supports(want)
    ]


# Command line


class _UsageError(Exception):
    pass


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="python3 -m lowrank_anim.health.archcheck",
        description="Fail if any native binary under PATHs is not built for the expected CPU "
        "architecture (run at the end of a Docker build).",
    )
    parser.add_argument(
        "--expect",
        required=True,
        metavar="ARCH",
        help="target architecture: amd64, arm64, linux/amd64, x86_64, aarch64, ...",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip binaries whose path matches GLOB (repeatable), e.g. foreign test fixtures",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="directories or files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status 0 if all binaries match, 1 on a mismatch or if none were found, 2 on misuse."""
    try:
        args = _build_parser().parse_args(argv)
        expected = normalise_arch(args.expect)
        missing = [str(p) for p in args.paths if not p.exists()]
        if missing:
            raise _UsageError(f"no such file or directory: {', '.join(missing)}")
    except _UsageError as exc:
        print(f"archcheck: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"archcheck: error: --expect: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0

    where = ", ".join(str(p) for p in args.paths)
    total, mismatches = 0, []
    for path, arch in scan_tree(args.paths, ignore=args.ignore):
        total += 1
        if not arch.supports(expected):
            mismatches.append(Mismatch(path, arch.arches, expected, arch.format))

    if total == 0:
        print(f"archcheck: no native binaries under {where}: nothing was checked (wrong path?)")
        return 1
    if not mismatches:
        summary = "native binary under {} is" if total == 1 else "native binaries under {} are all"
        print(f"archcheck: {total} {summary.format(where)} {expected}")
        return 0
    for mismatch in mismatches:
        print(f"archcheck: {mismatch.describe()}")
    print(
        f"archcheck: {len(mismatches)} of {total} native binaries are not {expected}; "
        f"install them inside a `docker build --platform linux/{expected}` (never copy a venv, "
        "wheel cache or site-packages built on another architecture)"
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
