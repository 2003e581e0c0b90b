"""Every command that draws or shows a scene × every registered scene, as a user runs them.

The cases are generated from the registry (:data:`lowrank_anim.registry.SCENES`) and from the
click group (``render.cli``): a new scene joins every row by itself, and a new command must
either get a row in :data:`ROWS` or say in :data:`DRAWS_NO_SCENE` why it draws none —
:func:`test_every_command_that_draws_a_scene_has_a_row` fails otherwise.

Each scene is drawn in two variants that between them cover both themes, the default numbers
and a custom set (where the scene takes numbers): **A** is dark with the defaults, **B** light
with :data:`CUSTOM` numbers. The cheapest row, ``preview``, takes all four combinations. Each
case checks the file the command must produce (size, dimensions, frames), not only the exit
code.

Cheap on purpose, so the whole matrix runs in ``make check``: everything at ``-q low``, still
images where the row is about a still, and the costly commands run once per variant for all
scenes together (:class:`Batches`), two at a time in the background while the previews render
in this process. ``shard``/``join`` run on one scene: they cut the same render every scene
goes through.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops

import render
from lowrank_anim.maths.params import parse_assignments
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import SCENES, SceneSpec
from lowrank_anim.web.embed import ENGINES, MANIFEST_SUFFIX
from lowrank_anim.web.explorable import EXPLORABLE_SCENES
from tests.conftest import ROOT
from tests.media_probe import probe
from tests.notebooks import cell_outputs, execute, notebook_of

pytestmark = [pytest.mark.render, pytest.mark.latex]

#: manim's low preset, which every case renders at.
WIDTH, HEIGHT, FPS = 854, 480, 15

#: One custom set of numbers per kind of model a scene draws (``SceneSpec.model``).
CUSTOM: dict[str, dict[str, tuple[float, ...]]] = {
    "rank1": {"x": (1.5, -0.5), "v": (0.8, 0.6)},
    "rank2": {"x": (0.5, 1.0, -1.0)},
}

#: Commands that draw no scene, and where each is tested instead.
DRAWS_NO_SCENE = {
    "list": "names the scenes (tests/cli/test_cli.py)",
    "doctor": "checks the machine (tests/health/test_doctor.py)",
    "worker": "serves renders `render --scheduler` sends (tests/pipeline/test_farm.py)",
    "post": "draws the scenes its notebook's cells name, with show() (the kernel row here "
    "and tests/web/test_post.py)",
}


@dataclass(frozen=True)
class Variant:
    """A theme and whether the scene's custom numbers are set."""

    theme: str
    custom: bool

    @property
    def id(self) -> str:
        return f"{self.theme}-{'custom' if self.custom else 'defaults'}"

    def numbers(self, spec: SceneSpec) -> dict[str, tuple[float, ...]]:
        return CUSTOM[spec.model] if self.custom and spec.model != "none" else {}

    def sets(self, spec: SceneSpec) -> list[str]:
        """The numbers as ``--set`` takes them: ``x=1.5,-0.5``."""
        return [f"{key}={','.join(map(str, value))}" for key, value in self.numbers(spec).items()]

    def args(self, spec: SceneSpec) -> list[str]:
        """The scene options a user types for this variant."""
        return ["--theme", self.theme, *(arg for s in self.sets(spec) for arg in ("--set", s))]

    def stem(self, spec: SceneSpec) -> str:
        """The stem every command names this variant's files with."""
        params = parse_assignments(self.sets(spec))
        request = RenderRequest(spec, theme=self.theme, params=params)
        return request.output_path(Path()).stem

    def group(self, spec: SceneSpec) -> tuple[str, str]:
        """Scenes that take the same options can share one command line."""
        return (self.theme, spec.model if self.numbers(spec) else "none")


A = Variant("dark", custom=False)
B = Variant("light", custom=True)
EVERY_VARIANT = (A, B, Variant("light", custom=False), Variant("dark", custom=True))


def scene_variants(
    variants: tuple[Variant, ...], in_check: tuple[Variant, ...] = (A, B)
) -> list[object]:
    """``(scene, variant)`` parameters; a variant with custom numbers only where the scene
    takes numbers (elsewhere it would repeat the defaults). The variants not ``in_check``
    are ``slow`` (``make test`` runs them, ``make check`` does not): between its rows the
    check still draws every scene in both themes, with the defaults and custom numbers."""
    return [
        pytest.param(
            spec,
            variant,
            id=f"{name}-{variant.id}",
            marks=() if variant in in_check else pytest.mark.slow,
        )
        for name, spec in SCENES.items()
        for variant in variants
        if not (variant.custom and spec.model == "none" and variant is not B)
    ]


# The costly commands, batched ---------------------------------------------------------------


class Batches:
    """Runs each costly command line once, as a user would (``python render.py …`` in its own
    process), two at a time in the background; a case waits for the line it needs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="matrix")
        self.started: dict[tuple[str, ...], Future[subprocess.CompletedProcess[str]]] = {}
        self.lock = threading.Lock()

    def start(self, *args: str) -> Future[subprocess.CompletedProcess[str]]:
        with self.lock:
            if args not in self.started:
                command = [sys.executable, str(ROOT / "render.py"), *args]
                self.started[args] = self.pool.submit(
                    subprocess.run, command, capture_output=True, text=True, cwd=self.root
                )
            return self.started[args]

    def run(self, *args: str) -> str:
        """Wait for ``render.py ARGS`` and return what it printed; its failure fails the case."""
        done = self.start(*args).result()
        assert done.returncode == 0, f"render.py {' '.join(args)}:\n{done.stderr[-3000:]}"
        return done.stdout

    def folder(self, row: str) -> Path:
        """Where a row's lines write (``png``, ``video``, ``web``)."""
        return self.root / row

    def line(self, row: str, spec: SceneSpec, variant: Variant) -> tuple[str, ...]:
        """The command line of ``row`` that draws ``spec`` in ``variant``: one line for every
        scene that takes the same options (with ``export``, scenes that have an explorable
        figure take ``--explorable`` in a line of their own)."""
        group = variant.group(spec)
        specs = [s for s in SCENES.values() if variant.group(s) == group]
        extra: list[str] = []
        if row == "export":
            figure = spec.name in EXPLORABLE_SCENES
            specs = [s for s in specs if (s.name in EXPLORABLE_SCENES) == figure]
            extra = ["--base-url", "/clips", *(["--explorable"] if figure else [])]
        command = {
            "png": ["render", "-f", "png", "-j", "1"],
            "video": ["render", "--sections", "-j", "1"],
            "export": ["export"],
        }[row]
        return (*command, *(s.name for s in specs), "-q", "low", *extra, *variant.args(spec),
                "-o", str(self.folder(row)))  # fmt: skip

    def made(self, row: str, spec: SceneSpec, variant: Variant) -> str:
        """Wait for the line of ``row`` that draws ``spec`` in ``variant``; what it printed."""
        return self.run(*self.line(row, spec, variant))

    def start_everything(self) -> None:
        """Queue every costly line at once, so the two background processes never wait for
        a case to ask: the stills first (the previews compare with them), then the videos."""
        # (B's videos, a slow case, start when a case asks for them.)
        for row, variants in (("png", (A, B)), ("video", (A,)), ("export", (B,))):
            for variant in variants:
                for spec in SCENES.values():
                    self.start(*self.line(row, spec, variant))


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batches]:
    found = Batches(tmp_path_factory.mktemp("matrix"))
    found.start_everything()
    yield found
    found.pool.shutdown(wait=True, cancel_futures=True)


# What a case checks ----------------------------------------------------------------------------


def check_still(path: Path, theme: str) -> Image.Image:
    """A finished frame: the preset's size, something drawn, the theme's background."""
    assert path.is_file(), f"no file at {path}"
    image = Image.open(path).convert("RGB")
    assert image.size == (WIDTH, HEIGHT), (path, image.size)
    low, high = zip(*image.getextrema(), strict=True)
    assert max(high) - min(low) > 100, f"{path.name} is blank"
    corner = sum(image.getpixel((2, 2))) / 3  # type: ignore[arg-type]
    assert (corner > 200) if theme == "light" else (corner < 60), (path.name, corner)
    return image


def check_video(path: Path) -> int:
    """A whole video at the preset: decodes to the end, as many frames as it lasts; its frame
    count."""
    info = probe(path)
    assert (info.width, info.height, info.fps) == (WIDTH, HEIGHT, FPS), (path.name, info)
    assert info.frames > FPS, (path.name, info.frames)
    assert abs(info.frames - info.duration * FPS) <= 2, (path.name, info)
    return info.frames


def cli(*args: str) -> str:
    """Run ``render.py ARGS`` in this process; its failure fails the case with its output."""
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    assert result.exit_code == 0, f"render.py {' '.join(args)}:\n{result.output[-3000:]}"
    return result.output


# The rows --------------------------------------------------------------------------------------

#: Every command that draws or shows a scene, with its tests below.
ROWS = ("render", "preview", "export", "embed", "gallery", "shard", "join")


def test_every_command_that_draws_a_scene_has_a_row() -> None:
    for name, command in render.cli.commands.items():
        options = {opt for param in command.params for opt in getattr(param, "opts", ())}
        takes_a_scene = "--theme" in options or any(
            param.name in ("scene", "scenes") for param in command.params
        )
        if takes_a_scene:
            assert name in ROWS, f"`{name}` draws a scene: give it a row in the matrix"
        else:
            assert name in ROWS or name in DRAWS_NO_SCENE, (
                f"`{name}`: give it a row in the matrix, or say in DRAWS_NO_SCENE why not"
            )
    assert set(ROWS) | set(DRAWS_NO_SCENE) == set(render.cli.commands), "a row names no command"


def test_every_model_has_custom_numbers() -> None:
    kinds = {spec.model for spec in SCENES.values()} - {"none"}
    assert kinds <= set(CUSTOM), f"give {kinds - set(CUSTOM)} a custom set in CUSTOM"


@pytest.mark.parametrize(("spec", "variant"), scene_variants(EVERY_VARIANT))
def test_preview(spec: SceneSpec, variant: Variant, batches: Batches, tmp_path: Path) -> None:
    printed = cli("preview", spec.name, *variant.args(spec), "-o", str(tmp_path))
    path = Path(printed.strip().splitlines()[-1])
    assert path == tmp_path / spec.name / "preview" / f"{variant.stem(spec)}.png"
    image = check_still(path, variant.theme)
    if variant in (A, B):  # the last frame a render draws, pixel for pixel
        batches.made("png", spec, variant)
        rendered = batches.folder("png") / spec.name / "480p15" / f"{variant.stem(spec)}.png"
        difference = ImageChops.difference(image, Image.open(rendered).convert("RGB"))
        assert difference.getbbox() is None, f"preview and render differ in {difference.getbbox()}"


@pytest.mark.parametrize(("spec", "variant"), scene_variants((B,)))
def test_preview_a_section(spec: SceneSpec, variant: Variant, tmp_path: Path) -> None:
    printed = cli("preview", spec.name, "--section", "1", *variant.args(spec), "-o", str(tmp_path))
    path = Path(printed.strip().splitlines()[-1])
    assert path.name.startswith(f"{variant.stem(spec)}.section-1"), path.name
    check_still(path, variant.theme)


@pytest.mark.parametrize(("spec", "variant"), scene_variants((A, B)))
def test_render_png(spec: SceneSpec, variant: Variant, batches: Batches) -> None:
    batches.made("png", spec, variant)
    check_still(batches.folder("png") / spec.name / "480p15" / f"{variant.stem(spec)}.png",
                variant.theme)  # fmt: skip


@pytest.mark.parametrize(("spec", "variant"), scene_variants((A, B), in_check=(A,)))
def test_render_video_with_sections(spec: SceneSpec, variant: Variant, batches: Batches) -> None:
    printed = batches.made("video", spec, variant)
    path = batches.folder("video") / spec.name / "480p15" / f"{variant.stem(spec)}.mp4"
    assert str(path) in printed
    frames = check_video(path)
    check_still(path.with_suffix(".poster.png"), variant.theme)
    clips = sorted(path.with_suffix(".sections").glob("*.mp4"))
    assert clips, f"no section clips beside {path.name}"
    # The beats cut the whole video: their frames add up to its frames.
    assert abs(sum(probe(clip).frames for clip in clips) - frames) <= len(clips), clips
    assert path.with_suffix(".srt").read_text(encoding="utf-8").strip(), "no captions"


@pytest.mark.parametrize(("spec", "variant"), scene_variants((B,)))
def test_export(spec: SceneSpec, variant: Variant, batches: Batches) -> None:
    batches.made("export", spec, variant)
    web, stem = batches.folder("export"), variant.stem(spec)
    for suffix in (".mp4", ".webm"):
        check_video(web / f"{stem}{suffix}")
    check_still(web / f"{stem}.png", variant.theme)
    for suffix in (".srt", ".vtt"):
        assert (web / f"{stem}{suffix}").read_text(encoding="utf-8").strip(), suffix
    for engine in ENGINES.values():
        snippet = (web / f"{stem}{engine.suffix}").read_text(encoding="utf-8")
        assert f"/clips/{stem}." in snippet, (engine.name, snippet)
    clip = json.loads((web / f"{stem}{MANIFEST_SUFFIX}").read_text(encoding="utf-8"))
    assert (clip["width"], clip["height"], clip["theme"]) == (WIDTH, HEIGHT, variant.theme)
    if spec.name in EXPLORABLE_SCENES:
        figure = (web / f"{stem}.explorable.html").read_text(encoding="utf-8")
        assert f"/clips/{stem}.png" in figure, "the figure's fallback is the poster"
        assert f'data-default-theme="{variant.theme}"' in figure, "--theme is its default"


@pytest.mark.parametrize(("spec", "variant"), scene_variants((B,)))
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_embed(spec: SceneSpec, variant: Variant, engine: str, batches: Batches) -> None:
    batches.made("export", spec, variant)
    web, stem = batches.folder("export"), variant.stem(spec)
    printed = cli("embed", spec.name, "--engine", engine, *variant.args(spec), "-o", str(web))
    assert printed == (web / f"{stem}{ENGINES[engine].suffix}").read_text(encoding="utf-8")


def test_gallery(batches: Batches) -> None:
    for spec in SCENES.values():
        batches.made("export", spec, B)
    web = batches.folder("export")
    printed = cli("gallery", "-o", str(web))
    page = (web / "index.html").read_text(encoding="utf-8")
    assert printed.startswith(f"{web / 'index.html'}  ({len(SCENES)} clips)"), printed
    for spec in SCENES.values():
        assert f"{B.stem(spec)}.mp4" in page, spec.name
    # A filter keeps the variant it names, and only it.
    custom = next(spec for spec in SCENES.values() if spec.model == "rank1")
    cli("gallery", *B.args(custom), "-o", str(web))
    page = (web / "index.html").read_text(encoding="utf-8")
    kept = [s for s in SCENES.values() if B.numbers(s) == B.numbers(custom)]
    for spec in SCENES.values():
        assert (f"{B.stem(spec)}.mp4" in page) == (spec in kept), spec.name


def test_gallery_of_rendered_videos(batches: Batches) -> None:
    """A gallery of the rendered videos (variant A; the exported ones, B, in
    :func:`test_gallery`)."""
    for spec in SCENES.values():
        batches.made("video", spec, A)
    video = batches.folder("video")
    printed = cli("gallery", "-o", str(video))
    page = (video / "index.html").read_text(encoding="utf-8")
    made = len(list(video.rglob("*.mp4")))  # (B's too, when the slow cases made them first)
    assert made >= len(SCENES)
    assert f"({made} clips)" in printed, printed
    for spec in SCENES.values():
        assert f"{A.stem(spec)}.mp4" in page, spec.name


def test_shard_and_join_make_the_render(batches: Batches, tmp_path: Path) -> None:
    spec = SCENES["RankOneUpdate"]
    options = ["-q", "low", "--sections", *B.args(spec)]
    for which in ("1/2", "2/2"):
        cli("shard", spec.name, which, *options, "-o", str(tmp_path / "shards"))
    cli("join", spec.name, str(tmp_path / "shards"), *options, "-o", str(tmp_path / "joined"))
    joined = tmp_path / "joined" / spec.name / "480p15" / f"{B.stem(spec)}.mp4"
    check_video(joined)
    batches.made("video", spec, B)
    rendered = batches.folder("video") / spec.name / "480p15" / joined.name
    assert joined.read_bytes() == rendered.read_bytes(), "the join is not the render"


def test_show_in_a_kernel(tmp_path: Path, batches: Batches) -> None:
    """``show()`` in a real Jupyter kernel: every scene's last frame, inline, in variant B,
    into the folder where ``render -f png`` wrote the same stills (so it finds them made:
    tests/authoring/test_notebook.py has show() render)."""
    for spec in SCENES.values():
        batches.made("png", spec, B)
    out = batches.folder("png")
    cells = ["from lowrank_anim.notebook import show"]
    for spec in SCENES.values():
        numbers = "".join(f", {key}={value!r}" for key, value in B.numbers(spec).items())
        cells.append(
            f"show({spec.name!r}, format='png', theme={B.theme!r}{numbers}, "
            f"output_dir={str(out)!r})"
        )
    outputs = cell_outputs(execute(notebook_of(*cells), tmp_path))[1:]
    for spec, shown in zip(SCENES.values(), outputs, strict=True):
        images = [o for o in shown if "image/png" in o.get("data", {})]
        assert images, (spec.name, shown)
        check_still(out / spec.name / "480p15" / f"{B.stem(spec)}.png", B.theme)
