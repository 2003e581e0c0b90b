"""Drive the real Docker engine for the image tests: start it, build, read BuildKit's log, run.

Shared by tests/docker/test_docker.py (the engine's own platform), tests/docker/test_docker_arm64.py
(linux/arm64, under QEMU on x86-64) and tests/docker/test_docker_release.py (both, through a real
registry), all in every CI run. Builds go through docker/build-image.sh, the same script `make
image` uses, so the tests exercise the documented path rather than a private copy of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NoReturn

import pytest

from tests.conftest import ROOT, in_ci
from tests.media_probe import probe

BUILD_SCRIPT = ROOT / "docker" / "build-image.sh"
START_ENGINE = ROOT / "docker" / "start-engine.sh"
SEED_BASE = ROOT / "docker" / "seed-base.sh"

#: The image budget (issue 14), MathTex included, on both architectures: docker's decimal MB.
SIZE_BUDGET_MB = 800
#: The arm64 base docker/seed-base.sh makes where no registry can be reached.
ARM64_BASE = "lowrank-anim/base:bookworm-arm64"

#: What goes into a build context: exactly the .dockerignore allowlist.
CONTEXT_FILES = (
    "Dockerfile",
    ".dockerignore",
    "pyproject.toml",
    "README.md",
    "render.py",
    "requirements.lock",
)
CONTEXT_DIRS = ("lowrank_anim", "scenes", "assets", "docker")

#: The locked-down `docker run` flags the README documents (the media mount and --user are added).
LOCKED_DOWN = (
    "--network", "none",
    "--read-only",
    "--tmpfs", "/tmp",
    "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges",
)  # fmt: skip

ARCHCHECK_OK = re.compile(r"archcheck: (\d+) native binaries under \S+ \S+ are all (\w+)")


def docker_client() -> str | None:
    return shutil.which("docker")


def engine_answers() -> bool:
    client = docker_client()
    if client is None:
        return False
    result = subprocess.run([client, "info"], capture_output=True, timeout=60, check=False)
    return result.returncode == 0


def require_engine() -> str:
    """The docker client, with an engine answering; started if needed.

    In CI (CI=true) a missing engine is a failure, never a skip: the image test is mandatory there.
    Elsewhere the test is skipped, with the reason, only when no engine can run.
    """
    if engine_answers():
        return str(docker_client())
    reason = "no Docker engine answers"
    if os.name == "posix" and os.geteuid() == 0 and Path("/proc").is_dir():
        started = subprocess.run(
            ["bash", str(START_ENGINE)], capture_output=True, text=True, timeout=600, check=False
        )
        if started.returncode == 0 and engine_answers():
            return str(docker_client())
        reason += f" and docker/start-engine.sh failed: {started.stderr.strip()[-500:]}"
    else:
        reason += " and one can only be started here as root on Linux (docker/start-engine.sh)"
    skip_or_fail(reason)


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with ``reason``, except in CI (CI=true), where every Docker test is mandatory."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def engine_arch(client: str) -> str:
    """The engine's own architecture, as Docker names platforms (amd64, arm64)."""
    arch = subprocess.run(
        [client, "version", "--format", "{{.Server.Arch}}"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    return "arm64" if arch in ("arm64", "aarch64") else "amd64"


def require_arm64(client: str) -> str | None:
    """Make linux/arm64 buildable and runnable here; the base image to build it FROM.

    An arm64 engine (Apple Silicon) runs it natively and pulls its base (None: the default).
    Elsewhere it runs under QEMU, as part of every `make test` (issue 14: the author's machine is
    arm64): as root on Linux docker/seed-base.sh registers the qemu-aarch64 binfmt handler (lost at
    every reboot) and seeds the arm64 base; otherwise both must exist. LOWRANK_TEST_ARM64=0 skips
    it on a developer's machine, naming itself; under CI=true nothing skips.
    """
    if engine_arch(client) == "arm64":
        return None
    if os.environ.get("LOWRANK_TEST_ARM64") == "0":
        skip_or_fail(
            "LOWRANK_TEST_ARM64=0 leaves out linux/arm64 under QEMU (`make test-arm64` runs it)"
        )
    if os.name == "posix" and os.geteuid() == 0:
        seeded = subprocess.run(
            ["bash", str(SEED_BASE), "arm64"],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        assert seeded.returncode == 0, f"docker/seed-base.sh arm64 failed:\n{seeded.stderr[-2000:]}"
        return ARM64_BASE
    handler = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")
    if not (handler.is_file() and handler.read_text().startswith("enabled")):
        skip_or_fail("linux/arm64 needs QEMU emulation: run docker/seed-base.sh arm64 as root once")
    return ARM64_BASE


def image_size_mb(client: str, tag: str) -> float:
    """The image's size as `docker images` shows it (decimal MB), from the engine's own count."""
    size = subprocess.run(
        [client, "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    return int(size) / 1e6


def copy_context(dest: Path) -> Path:
    """A private copy of the build context, so a test can edit a scene without touching the repo."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in CONTEXT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in CONTEXT_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


@dataclass
class BuildLog:
    """BuildKit's plain progress output, split into steps."""

    text: str
    seconds: float
    names: dict[str, str] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for line in self.text.splitlines():
            step = re.match(r"#(\d+) (\[.*)$", line)
            if step:
                self.names.setdefault(step[1], step[2])
            elif re.match(r"#\d+ CACHED$", line):
                self.cached.add(line.split()[0][1:])

    def steps(self, needle: str) -> list[str]:
        """Ids of the Dockerfile steps whose description contains ``needle``."""
        return [i for i, name in self.names.items() if needle in name and name.startswith("[")]

    def was_cached(self, needle: str) -> bool:
        """True if every step matching ``needle`` came from the cache (and there is one)."""
        ids = self.steps(needle)
        assert ids, f"no build step matches {needle!r}; steps: {sorted(self.names.values())}"
        return all(i in self.cached for i in ids)

    def archcheck(self) -> tuple[int, str] | None:
        match = ARCHCHECK_OK.search(self.text)
        return (int(match[1]), match[2]) if match else None


def build(
    context: Path,
    *,
    platform: str,
    tag: str,
    extra_ca: Path | None = None,
    base_image: str | None = None,
    extra: Sequence[str] = (),
    timeout: float = 3600,
) -> BuildLog:
    """Build with docker/build-image.sh from ``context``; fail the test with the log's tail."""
    cmd = ["bash", str(context / "docker" / "build-image.sh"), "--platform", platform, "--tag", tag]
    cmd += ["--extra-ca", str(extra_ca)] if extra_ca else ["--no-extra-ca"]
    if base_image:
        cmd += ["--base-image", base_image]
    if extra:
        cmd += ["--", *extra]
    previous = image_id(tag)
    start = time.monotonic()
    result = subprocess.run(
        cmd,
        cwd=context,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    log = BuildLog(result.stdout, time.monotonic() - start)
    if result.returncode != 0:
        pytest.fail(f"image build failed ({' '.join(cmd)}):\n{result.stdout[-4000:]}")
    if previous and previous != image_id(tag):
        # The image this tag named before is now untagged: remove it rather than pile up one per
        # test run (a no-op if something still uses it).
        subprocess.run(["docker", "rmi", previous], capture_output=True, timeout=120, check=False)
    return log


def image_id(tag: str) -> str | None:
    result = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", tag],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return result.stdout.strip() if result.returncode == 0 else None


def run_locked_down(
    client: str, image: str, media: Path, args: Sequence[str], *, user: str, timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    """``docker run`` with the documented locked-down flags and the host's ``media`` mounted at
    the same absolute path (as `make docker-render` does), so printed paths are the host's."""
    cmd = [
        client, "run", "--rm", *LOCKED_DOWN,
        "--user", user,
        "--volume", f"{media}:{media}",
        image, *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def render_locked_down(
    client: str, image: str, media: Path, scene: str, *, user: str, timeout: float = 1800
) -> Path:
    """Render ``scene`` at -q low into the host's ``media``; the mp4, checked to be playable 480p
    h264, and to be the path the CLI printed (the host's, not the container's)."""
    result = run_locked_down(
        client, image, media, ["render", scene, "-q", "low", "--output-dir", str(media)],
        user=user, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    video = media / scene / "480p15" / f"{scene}.mp4"
    assert result.stdout.strip().splitlines()[-1] == str(video)
    info = probe(video)
    assert (info.codec, info.width, info.height) == ("h264", 854, 480)
    assert info.duration > 0
    return video


def calling_user() -> tuple[int, int]:
    """The uid:gid a render runs as: a made-up one when root (CI), to prove it is not root's."""
    if os.geteuid() == 0:
        return 1234, 1234
    return os.geteuid(), os.getegid()


def writable_media_dir(path: Path, uid: int, gid: int) -> Path:
    path.mkdir(parents=True)
    if os.geteuid() == 0:
        os.chown(path, uid, gid)
    return path


def extra_ca_with_marker(dest: Path, marker: str) -> Path:
    """A CA bundle for the extra_ca secret: the host's bundle (needed behind this machine's proxy,
    harmless elsewhere) plus a comment line that must never appear in any image layer."""
    variables = ("LOWRANK_EXTRA_CA", "PIP_CERT", "REQUESTS_CA_BUNDLE")
    sources = [os.environ.get(v, "") for v in variables]
    sources.append("/etc/ssl/certs/ca-certificates.crt")
    bundle = next((Path(s) for s in sources if s and Path(s).is_file()), None)
    text = bundle.read_text(encoding="utf-8", errors="replace") if bundle else ""
    dest.write_text(f"{text.rstrip()}\n# {marker}\n", encoding="utf-8")
    return dest


def image_files_containing(client: str, image: str, needle: bytes) -> Iterator[str]:
    """Every file, in every layer of ``image`` (also files deleted by later layers), whose
    content contains ``needle``: `docker save` streamed through tarfile, nothing on disk."""
    with subprocess.Popen([client, "save", image], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as outer:
            for member in outer:
                if not member.isfile():
                    continue
                blob = outer.extractfile(member)
                if blob is None:
                    continue
                if member.name.endswith("layer.tar") or member.name.startswith("blobs/"):
                    yield from _layer_files_containing(blob, needle, member.name)
        assert proc.wait() == 0, f"docker save {image} failed"


def _layer_files_containing(blob: IO[bytes], needle: bytes, layer: str) -> Iterator[str]:
    try:
        inner = tarfile.open(fileobj=blob, mode="r|")  # noqa: SIM115 (closed below)
    except tarfile.TarError:
        return  # a config or manifest blob, not a layer
    with inner:
        for member in inner:
            if not member.isfile():
                continue
            data = inner.extractfile(member)
            if data is not None and _stream_contains(data, needle):
                yield f"{layer}:{member.name}"


def _stream_contains(stream: IO[bytes], needle: bytes, chunk: int = 1 << 20) -> bool:
    tail = b""
    while block := stream.read(chunk):
        if needle in tail + block:
            return True
        tail = block[-len(needle) :]
    return False
