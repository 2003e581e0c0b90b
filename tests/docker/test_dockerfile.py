"""The Dockerfile's promises that can be read without an engine (cheap, in every run).

The real build and run are tests/docker/test_docker.py; these catch a regression before a slow build
would, and they hold on machines where no Docker engine can run.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    stage: str
    keyword: str
    args: str


def instructions() -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    result, stage = [], "(global)"
    for line in logical:
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stage = args.split()[-1] if " AS " in args.upper() else args
        result.append(Instruction(stage, keyword.upper(), args.strip()))
    return result


def stage(name: str) -> list[Instruction]:
    found = [i for i in instructions() if i.stage == name]
    assert found, f"no stage {name!r}"
    return found


def test_no_syntax_directive() -> None:
    # A `# syntax=` line makes BuildKit pull a frontend image: impossible without a registry.
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        assert not re.match(r"\s*#\s*syntax\s*=", line, re.IGNORECASE), line


def test_base_image_is_an_overridable_arg_pinned_by_tag() -> None:
    args = [i.args for i in instructions() if i.keyword == "ARG" and i.stage == "(global)"]
    base = [a for a in args if a.startswith("BASE_IMAGE=")]
    assert base == ["BASE_IMAGE=debian:bookworm-slim"]
    # The native stages' base: the same Debian release (and so the same Python 3.11).
    assert [a for a in args if a.startswith("BUILD_BASE_IMAGE=")] == [
        "BUILD_BASE_IMAGE=debian:bookworm-slim"
    ]
    image = base[0].split("=", 1)[1]
    name, _, tag = image.rpartition(":")
    assert name
    assert tag
    assert tag != "latest"
    stage_names = {i.stage for i in instructions() if i.keyword == "FROM"}
    for i in instructions():
        if i.keyword == "FROM":
            source = next(w for w in i.args.split() if not w.startswith("--"))
            assert source in ("${BASE_IMAGE}", "${BUILD_BASE_IMAGE}") or source in stage_names


def test_stages_and_runtime_has_no_compilers() -> None:
    names = [i.stage for i in instructions() if i.keyword == "FROM"]
    assert names == ["builder", "texmf", "project", "runtime"]
    runtime_runs = " ".join(i.args for i in stage("runtime") if i.keyword == "RUN")
    for forbidden in ("build-essential", "gcc", "g++", "-dev ", "pkg-config"):
        assert forbidden not in runtime_runs
    assert "build-essential" in " ".join(i.args for i in stage("builder"))


def test_only_the_runtime_runs_under_emulation() -> None:
    # Issue 14: compilers, pip and the downloads run on the build platform (natively, cross-
    # compiling for another target); the target's stage only installs Debian's packages and copies
    # the venv in, so a cold arm64 build under QEMU runs no compiler and no pip.
    froms = {i.stage: i.args for i in instructions() if i.keyword == "FROM"}
    for native in ("builder", "texmf"):
        assert froms[native].startswith("--platform=$BUILDPLATFORM ${BUILD_BASE_IMAGE} "), native
    assert froms["project"] == "builder AS project"
    assert froms["runtime"] == "${BASE_IMAGE} AS runtime"
    runtime_runs = " ".join(i.args for i in stage("runtime") if i.keyword == "RUN")
    assert "pip" not in runtime_runs
    assert "build-tools" not in runtime_runs
    # Cross-compiling: the target's -dev packages (multiarch) and a cross compiler, by TARGETARCH.
    builder_apt = next(i.args for i in stage("builder") if "apt-get install" in i.args)
    assert 'dpkg --add-architecture "$TARGETARCH"' in builder_apt
    assert "libcairo2-dev$dev libpango1.0-dev$dev" in builder_apt
    assert "gcc-$gnu g++-$gnu libpython3.11-dev$dev" in builder_apt


def test_slimming_happens_in_the_layer_that_installs_the_bytes() -> None:
    # A file deleted in a later layer still weighs in the image: the runtime's removals must run
    # in the very RUN that installs the Debian packages, and the venv's before it is copied.
    runtime_apt = [
        i.args for i in stage("runtime") if i.keyword == "RUN" and "apt-get install" in i.args
    ]
    assert len(runtime_apt) == 1
    assert runtime_apt[0].rstrip().endswith("sh /tmp/slim-runtime.sh")
    assert "source=docker/slim-runtime.sh" in runtime_apt[0]
    builder_runs = [i.args for i in stage("builder") if i.keyword == "RUN"]
    assert "slim-venv.sh" in builder_runs[-1], (
        "the venv is slimmed after pip, before any COPY of it"
    )
    # Only the two LaTeX files come from texlive-latex-extra/-recommended, never the packages.
    assert "texlive-latex-recommended" not in runtime_apt[0]
    assert "texlive-latex-extra" not in runtime_apt[0]
    # And the image's last check proves the slimmed image still has what a render loads.
    assert "check-image.sh" in [i.args for i in stage("runtime") if i.keyword == "RUN"][-1]


def test_dependencies_install_from_the_lock_before_any_source_is_copied() -> None:
    builder = stage("builder")
    copies = [i.args for i in builder if i.keyword == "COPY"]
    assert copies == ["requirements.lock /tmp/requirements.lock"]
    pip = [i.args for i in builder if i.keyword == "RUN" and "requirements.lock" in i.args]
    assert len(pip) == 1
    assert "sh /tmp/build-venv.sh" in pip[0]
    # pycairo and manimpango are always built from source, against Debian's cairo and pango.
    script = (ROOT / "docker" / "build-venv.sh").read_text(encoding="utf-8")
    assert re.search(r'^always_source="pycairo manimpango"$', script, re.MULTILINE)
    project = stage("project")
    assert any(i.keyword == "COPY" and "scenes" in i.args for i in project)
    assert any("--no-deps" in i.args and "--root /opt/project" in i.args for i in project)
    runtime_copies = [i.args for i in stage("runtime") if i.keyword == "COPY"]
    assert runtime_copies.index("--from=builder /opt/venv /opt/venv") < runtime_copies.index(
        "--from=project /opt/project/ /"
    )


def test_extra_ca_secret_is_only_mounted_and_combined_on_a_tmpfs() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    runs = [i.args for i in instructions() if "extra_ca" in i.args]
    assert len(runs) == 1
    run = runs[0]
    assert "--mount=type=secret,id=extra_ca" in run
    tmpfs = re.search(r"--mount=type=tmpfs,target=(\S+)", run)
    assert tmpfs, "the combined bundle needs a tmpfs to live on"
    assert re.search(rf">\s*{re.escape(tmpfs[1])}/", run), "bundle written outside the tmpfs"
    assert "COPY" not in [i.keyword for i in instructions() if "secret" in i.args.lower()]
    assert "extra_ca" not in "".join(i.args for i in instructions() if i.keyword in {"ENV", "ARG"})
    assert text.count("/run/secrets/extra_ca") == 2  # tested for, then read: never copied


def test_architecture_check_runs_against_targetarch() -> None:
    runtime = stage("runtime")
    check = [i.args for i in runtime if i.keyword == "RUN" and "archcheck" in i.args]
    assert len(check) == 1
    assert '--expect "$TARGETARCH"' in check[0]
    assert "/opt/venv" in check[0]
    assert "ARG" in [i.keyword for i in runtime if i.args == "TARGETARCH"]


def test_runtime_is_non_root_with_exec_form_cli_entrypoint() -> None:
    runtime = stage("runtime")
    last = {i.keyword: i.args for i in runtime}
    assert last["USER"] == "1000:1000"
    assert last["WORKDIR"] == "/app"
    assert last["ENTRYPOINT"] == '["lowrank-anim"]'
    env = " ".join(i.args for i in runtime if i.keyword == "ENV")
    # Under --read-only, everything written outside the media mount must go to the /tmp tmpfs.
    for variable in ("HOME=/tmp", "XDG_CACHE_HOME=/tmp/", "TEXMFVAR=/tmp/"):
        assert variable in env


def dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` out of the context (last matching rule wins)."""
    excluded = False
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        pattern = pattern[3:] if pattern.startswith("**/") else pattern
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) for p in prefixes) or fnmatch.fnmatch(
            parts[-1], pattern
        ):
            excluded = not negate
    return excluded


@pytest.mark.parametrize(
    "path",
    ["pyproject.toml", "README.md", "render.py", "requirements.lock",
     "lowrank_anim/health/archcheck.py", "scenes/rank_one.py", "assets/params",
     "docker/build-venv.sh", "docker/slim-venv.sh", "docker/slim-runtime.sh",
     "docker/check-image.sh"],
)  # fmt: skip
def test_dockerignore_sends_what_the_image_needs(path: str) -> None:
    assert not dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path",
    [".venv/bin/python", "media/RankOneUpdate/480p15/RankOneUpdate.mp4", ".git/HEAD",
     "scenes/__pycache__/base.cpython-311.pyc", "tests/cli/test_cli.py", "requirements-dev.lock",
     "docker/release.sh"],
)  # fmt: skip
def test_dockerignore_keeps_the_rest_out(path: str) -> None:
    assert dockerignore_excludes(path)
