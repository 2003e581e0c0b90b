"""The CLI's shared options: the option decorators and parameter types several commands take.

Every command that draws a scene takes the same scene options (:func:`scene_options`:
``--theme``, ``--transparent``, ``--set``, ``--params``), parsed once into a
:class:`SceneOptions` that builds the one :class:`~lowrank_anim.pipeline.request.RenderRequest`.
The group's own options (``--debug``) reach the commands as an :class:`AppState`.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from lowrank_anim.authoring.preview import SectionChoice
from lowrank_anim.core.outputs import shorten
from lowrank_anim.maths.palette import DEFAULT_THEME, THEMES
from lowrank_anim.maths.params import KINDS, ParamError, SceneParams, build_example, collect
from lowrank_anim.pipeline.request import (
    DEFAULT_OUTPUT_DIR,
    FORMATS,
    QUALITY_PRESETS,
    RenderRequest,
    quality_help,
)
from lowrank_anim.registry import SCENES, SceneSpec, UnknownSceneError, get_scene
from lowrank_anim.web.webexport import DEFAULT_WEB_DIR

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppState:
    """What the group's own options say, read once by the group (``--debug``) and found by
    every command through its context."""

    debug: bool = False
    """Show full tracebacks instead of one-line errors."""


def debug_requested() -> bool:
    """Whether ``render.py --debug`` was given (False outside the group, e.g. a bare
    ``make_context``)."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(AppState) if ctx is not None else None
    return state is not None and state.debug


class OutputDirPath(click.Path):
    """A directory path that is not empty and has no NUL byte.

    Any directory is the user's choice, but ``-o "$UNSET"`` must not quietly mean the
    current directory (click would turn "" into ``.``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("the path is empty", param, ctx)
        if isinstance(value, str) and "\0" in value:
            self.fail(f"the path {shorten(value)} contains a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


def output_dir_option(func: F) -> F:
    """``--output-dir``, shared by every command that writes files."""
    return click.option(
        "--output-dir",
        "-o",
        type=OutputDirPath(file_okay=False, path_type=Path),
        default=DEFAULT_OUTPUT_DIR,
        show_default=True,
        help="Directory the files are written under.",
    )(func)


def quality_option(default: str) -> Callable[[F], F]:
    """``--quality``/``-q``, with the command's own default."""

    def decorate(func: F) -> F:
        return click.option(
            "--quality",
            "-q",
            type=click.Choice(list(QUALITY_PRESETS), case_sensitive=False),
            default=default,
            show_default=True,
            help=f"manim preset: {quality_help()}.",
        )(func)

    return decorate


def scenes_from(names: Sequence[str], all_scenes: bool) -> list[SceneSpec]:
    """The scenes a command was asked for, or a UsageError naming the fix."""
    if names and all_scenes:
        raise click.UsageError("give scene names or --all, not both")
    if all_scenes:
        return list(SCENES.values())
    if not names:
        raise click.UsageError("name at least one scene (see `render.py list`) or pass --all")
    try:
        return [get_scene(name) for name in dict.fromkeys(names)]
    except UnknownSceneError as exc:
        raise click.BadParameter(str(exc), param_hint="SCENE") from None


def scene_params(
    specs: Sequence[SceneSpec],
    assignments: Sequence[str],
    params_file: Path | None,
    all_scenes: bool = False,
) -> SceneParams:
    """The validated parameters for every scene asked for, or a BadParameter naming the fix."""
    try:
        params = collect(assignments, params_file)
        if all_scenes and params:
            refuse_numbers_for_all(specs, params)
        for spec in specs:
            build_example(spec.name, spec.model, params)
    except ParamError as exc:
        from_file = params_file is not None and str(params_file) in str(exc)
        hint = "--params" if from_file else "--set"
        raise click.BadParameter(str(exc), param_hint=f"'{hint}'") from None
    return params


def refuse_numbers_for_all(specs: Sequence[SceneSpec], params: SceneParams) -> None:
    """``--all`` with numbers some scene cannot take: a UsageError that names ``--all`` and
    the scenes that do take them (not the first scene that does not)."""

    def takes(spec: SceneSpec) -> bool:
        try:
            build_example(spec.name, spec.model, params)
        except ParamError:
            return False
        return True

    fit = [spec.name for spec in specs if takes(spec)]
    if not fit:  # wrong for every scene: the first scene with parameters says why
        for spec in specs:
            if KINDS[spec.model].keys:
                build_example(spec.name, spec.model, params)
    if len(fit) == len(specs):
        return
    refused = ", ".join(spec.name for spec in specs if spec.name not in fit)
    raise click.UsageError(
        f"--all includes scenes that cannot take these --set/--params numbers ({refused}); "
        f"name the scenes instead: {' '.join(fit)}"
    )


@dataclass(frozen=True)
class SceneOptions:
    """The scene options every drawing command takes, as given on the command line."""

    theme: str = DEFAULT_THEME
    transparent: bool = False
    assignments: tuple[str, ...] = ()
    params_file: Path | None = None

    def given(self) -> list[str]:
        """The options as they were typed (for messages that name the command to run)."""
        words = [] if self.theme == DEFAULT_THEME else [f"--theme {self.theme}"]
        words += ["--transparent"] if self.transparent else []
        words += [f"--set {shlex.quote(a)}" for a in self.assignments]
        if self.params_file is not None:
            words.append(f"--params {shlex.quote(str(self.params_file))}")
        return words

    @classmethod
    def parsed(
        cls,
        theme: str,
        transparent: bool,
        assignments: Sequence[str],
        params_file: Path | None,
    ) -> SceneOptions:
        """The options from click's parsed values (the names :func:`scene_options` declares)."""
        return cls(theme.lower(), transparent, tuple(assignments), params_file)

    def params(self, specs: Sequence[SceneSpec], all_scenes: bool = False) -> SceneParams:
        """``--set``/``--params`` parsed and checked against every scene asked for."""
        return scene_params(specs, self.assignments, self.params_file, all_scenes)

    def request(self, spec: SceneSpec, params: SceneParams, **fields: Any) -> RenderRequest:
        """The one request type, or a UsageError for a bad combination (e.g. no alpha)."""
        try:
            return RenderRequest(
                spec,
                theme=self.theme,
                transparent=self.transparent,
                params=params,
                **fields,
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None


def scene_options(func: F) -> F:
    """``--theme``, ``--transparent``, ``--set KEY=VALUE`` and ``--params FILE``, handed to the
    command as one :class:`SceneOptions` argument named ``scene_options``."""

    @functools.wraps(func)
    def command(
        *args: Any,
        theme: str,
        transparent: bool,
        assignments: tuple[str, ...],
        params_file: Path | None,
        **kwargs: Any,
    ) -> Any:
        chosen = SceneOptions.parsed(theme, transparent, assignments, params_file)
        return func(*args, scene_options=chosen, **kwargs)

    options = [
        click.option(
            "--theme",
            type=click.Choice(list(THEMES), case_sensitive=False),
            default=DEFAULT_THEME,
            show_default=True,
            help="Colour theme: dark (manim's look) or light (for white blog pages).",
        ),
        click.option(
            "--transparent",
            is_flag=True,
            help="No background: webm (VP9 with alpha; render's default format with this flag), "
            "mov or png.",
        ),
        click.option(
            "--set",
            "assignments",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set a parameter: W=1,0;0,1 (rows), u, v, x=1.5,-0.5, or U, V (columns "
            "u1;u2) for RankTwoUpdate. Repeatable. Numbers only, |value| ≤ 1000.",
        ),
        click.option(
            "--params",
            "params_file",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="TOML file of parameters (see assets/params/); --set values win over it.",
        ),
    ]
    decorated: Any = command
    for option in reversed(options):
        decorated = option(decorated)
    return cast(F, decorated)


def recorded_scene(
    words: Sequence[str], check: Callable[[SceneSpec, SceneOptions], None] | None = None
) -> tuple[SceneSpec, SceneOptions, SceneParams]:
    """A scene, its scene options and their numbers from recorded words (``SCENE --theme light
    --set …``, as a notebook's player records them), parsed and checked (also by ``check``) as
    the commands check them; a mistake names ``render.py export --help``, whose options
    these are."""
    ctx = _recorded.make_context("render.py export", list(words))
    p = ctx.params
    options = SceneOptions.parsed(p["theme"], p["transparent"], p["assignments"], p["params_file"])
    try:
        spec = scenes_from([p["scene"]], False)[0]
        params = options.params([spec])
        if check is not None:
            check(spec, options)
    except click.UsageError as exc:
        exc.ctx = exc.ctx or ctx
        raise
    return spec, options, params


@click.command("export")
@click.argument("scene", metavar="SCENE")
@scene_options
def _recorded(scene: str, scene_options: SceneOptions) -> None:
    """Never invoked: :func:`recorded_scene` parses with it."""


class ChunksParam(click.ParamType[int | None]):
    """``--chunks``: a positive whole number, or ``auto`` (None)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "auto":
            return None
        if text.isdigit() and int(text) >= 1:
            return int(text)
        self.fail(
            f"{value!r} is not a number of chunks; use a whole number ≥ 1 or auto", param, ctx
        )


def shard_format_option(func: F) -> F:
    """``--format`` of ``shard`` and ``join``: a video format (no png), the same for all."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice([f for f in FORMATS if f != "png"], case_sensitive=False),
        default="mp4",
        show_default=True,
        help="Video format (the same for every shard and the join).",
    )(func)


def section_option(value: str | None) -> SectionChoice | None:
    """Parse ``--section`` (a 1-based number or a name) into a :class:`SectionChoice`."""
    if value is None:
        return None
    try:
        return SectionChoice.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--section'") from None


def web_dir_option(help_text: str) -> Callable[[F], F]:
    """``--output-dir`` for the web commands: the folder to copy to a site."""

    def decorate(func: F) -> F:
        return click.option(
            "--output-dir",
            "-o",
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_WEB_DIR,
            show_default=True,
            help=help_text,
        )(func)

    return decorate
