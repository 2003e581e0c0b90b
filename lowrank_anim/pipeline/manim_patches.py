"""Every place this project reaches into manim's internals, in one module, each checked.

manim's public API (``tempconfig``, ``Scene.render``) does not cover these things we need:

* **tex** — :func:`install` replaces ``tex_mobject.tex_to_svg_file`` so each formula compiles in
  a private scratch folder, an SVG is used only when complete, and latex's chatter is held back
  (replayed unless the disk is full, when our one-line error says it all).  Relies on
  ``manim.mobject.text.tex_mobject.tex_to_svg_file`` (imported there by name) and
  ``manim.utils.tex_file_writing.tex_to_svg_file(expression, environment, tex_template)`` /
  ``tex_hash``, plus ``TexTemplate.get_texcode_for_expression[_in_env]``.
* **text** — every ``Text``/``MarkupText`` manim builds runs manimpango's
  ``PangoUtils.remove_last_M`` on its SVG, which rewrites the file *in place* (open with
  ``O_TRUNC``, then write) even when it was cached and nothing changes.  Our renders read the
  store's SVGs through hard links, so that rewrite truncated the one stored file under every
  other process: a chunk reading it at that moment failed with ``ParseError``, and a chunk
  stopped mid-rewrite left it empty for every later render (CI failed so once).
  :func:`install` replaces it with :func:`atomic_remove_last_M`: the same substitution, no
  write when nothing changes, else a new file renamed into place (a new inode: the stored one
  is never touched).  Relies on ``text_mobject`` calling ``PangoUtils.remove_last_M(file_name)``
  and on that function's pattern, checked against its source.
* **last-frame** — :func:`last_frame_scene` recasts the scene's own ``CairoRenderer`` (with the
  camera the scene chose: a ``ThreeDScene``'s ``ThreeDCamera``) so a preview draws only the
  final frame.  Relies on ``update_frame``, ``scene_finished`` and ``skip_animations``.
* **poster** — a render saves its last frame with ``renderer.camera.get_image()`` after
  ``Scene.render`` (the camera still holds the final frame).
* **encoder-abort** — :func:`stopping_encoders` aborts the file writer's encode jobs when
  ``Scene.render`` raises.  manim 0.22 encodes each play on a non-daemon thread that waits for
  frames until the play is sealed; an interrupt mid-play (SIGTERM, Ctrl-C, a failure) leaves it
  waiting, and the interpreter then waits for it forever at exit.  An interrupt that lands
  between the thread's start and the writer recording its job orphans the thread where
  ``abort_encode_jobs`` cannot see it (about one Ctrl-C in twelve did), so :func:`install` also
  makes those threads daemons: an orphan can no longer hold the process.  :func:`install`
  also wraps ``abort_encode_jobs`` (manim calls it when ``construct`` raises) against two
  hangs of the SIGINT test on a loaded machine.  An interrupt inside ``seal()``, whose ``put``
  of the end marker waits while the queue is full (a slow encoder makes that likely), left the
  job marked sealed with no marker sent; manim's abort then sent none either and joined a
  thread waiting for one (seen once in 27 runs under load): the wrapper sends it
  (:func:`send_end_marker`).  And Python runs a signal handler after a call returns, so an
  interrupt can land in ``queue.put`` right after the queue's lock was taken, before the
  ``with`` that releases it; the abort's own ``put`` then waited for that lock forever: the
  wrapper frees such a lock first (:func:`free_leaked_lock`).  Relies on
  ``SceneFileWriter.abort_encode_jobs``, its ``_current_encode_job`` and
  ``_inflight_encode_jobs``, their ``queue`` (a ``queue.Queue``), ``_sealed`` and
  ``_abort_requested``, the end marker ``(-1, None)``, and on ``scene_file_writer`` creating
  the threads through its module-level name ``Thread``.
* **frame-exact** — when manim skips a play (``from_animation_number`` /
  ``upto_animation_number``, a chunk's plays before its own) it advances it in one step
  (``dt = run_time``) and adds ``run_time`` to the clock; a rendered play steps through every
  frame time and adds one frame's length per frame. dt-based and stateful updaters then end in
  another state, and :attr:`Scene.time` (which our beats read to size their closing wait)
  drifts. :func:`install` wraps ``Scene.play_internal`` so that, under a
  :func:`frame_exact_renderer`, a skipped play steps through the same frame times without
  drawing and the clock advances exactly as a rendered play's would (manim issues #3005,
  #4611).  Relies on ``Scene.play_internal``/``update_to_time``/``update_mobjects``,
  ``CairoRenderer.play``/``time``/``skip_animations`` and ``freeze_current_frame``'s
  ``int(duration / dt)`` frames.
* **held-frame** — manim's ``VideoSegmentEncoder.write_frame(pixels, repeat=n)`` (a ``wait``
  or any stretch where nothing moves writes one frame ``n`` times) builds a new frame from the
  array and converts it from RGBA to the encoder's pixel format ``n`` times.
  :func:`install` replaces it with :func:`write_held_frame`: one conversion, then the same
  converted frame at each frame time. The encoder sees the same pixels and times, so the file
  is the same byte for byte (tested), written sooner (``bench/held_frames.py``).  Relies on
  ``write_frame``'s loop (``_validate_frame``, ``_next_pts``, ``_stream``, ``_container``,
  ``_operation_error``), checked against its source.
* **sections** — previews stop at a section end by raising ``EndSceneEarlyException`` from
  ``Scene.next_section``; :func:`lowrank_anim.pipeline.rendering.publish_beat_clips` reads
  ``file_writer.output_plan.section_index``.

:func:`broken_patches` checks each of these against the installed manim and names the ones a
manim upgrade broke; ``tests/pipeline/test_manim_patches.py`` fails loudly with those names.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import inspect
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from lowrank_anim.core.outputs import (
    disk_error,
    nearly_full,
    publish,
    scratch_dir,
    write_text_atomically,
)
from lowrank_anim.core.termination import raise_if_lost

_MARK = "_lowrank_atomic"
# Per-process directories holding links to cached SVGs, open (and locked) until exit.
_private_dirs: dict[Path, Path] = {}
_exit_stack = contextlib.ExitStack()
atexit.register(_exit_stack.close)


def install() -> None:
    """Route manim's ``tex_to_svg_file`` through :func:`atomic_tex_to_svg_file`, text SVGs'
    clean-up through :func:`atomic_remove_last_M`, and make the file writer's encode threads
    daemons (*tex*, *text* and *encoder-abort* above; idempotent)."""
    import manim.mobject.text.tex_mobject as tex_mobject
    import manim.scene.scene_file_writer as scene_file_writer
    from manimpango.utils import PangoUtils

    # tex_mobject imported the function by name, so that is the reference to replace.
    if not getattr(getattr(tex_mobject, "tex_to_svg_file", None), _MARK, False):
        setattr(tex_mobject, "tex_to_svg_file", atomic_tex_to_svg_file)  # noqa: B010
    # Every good path joins these threads before the render returns, so being a daemon only
    # changes what happens to an orphan at exit: it is dropped instead of waited for.
    setattr(scene_file_writer, "Thread", DaemonThread)  # noqa: B010
    writer_class = scene_file_writer.SceneFileWriter
    if not getattr(writer_class.abort_encode_jobs, _MARK, False):
        abort = _unblocked_abort(writer_class.abort_encode_jobs)
        writer_class.abort_encode_jobs = abort  # type: ignore[method-assign]
    PangoUtils.remove_last_M = staticmethod(atomic_remove_last_M)
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    current = VideoSegmentEncoder.write_frame
    if not getattr(current, _MARK, False) and current is not write_held_frame:
        write_held_frame.__wrapped__ = VideoSegmentEncoder.write_frame  # type: ignore[attr-defined]
        VideoSegmentEncoder.write_frame = write_held_frame  # type: ignore[method-assign]
    _install_frame_exact_play()


def write_held_frame(self: Any, pixels: Any, *, repeat: int = 1) -> None:
    """manim's ``VideoSegmentEncoder.write_frame``, converting a repeated frame once
    (*held-frame* above): the same frames at the same times, without ``repeat - 1``
    RGBA conversions."""
    import av

    self._validate_frame(pixels, repeat)
    rate = self.spec.frame_rate
    time_base = Fraction(rate.denominator, rate.numerator)
    try:
        frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
        if repeat > 1 and self._stream.pix_fmt != frame.format.name:
            # What the encoder would do to each copy (same scaler, same size), done once.
            frame = frame.reformat(format=self._stream.pix_fmt)
        for _ in range(repeat):
            # The encoder keeps its own reference to the pixels; only the time is ours.
            frame.pts = self._next_pts
            frame.time_base = time_base
            self._next_pts += 1
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
    except BaseException as error:
        raise self._operation_error("encode", error) from error


setattr(write_held_frame, _MARK, True)


def _install_frame_exact_play() -> None:
    """Wrap ``Scene.play_internal`` once (*frame-exact*); other renderers see manim's own."""
    from manim import Scene

    original = Scene.play_internal
    if getattr(original, _MARK, False):
        return

    def play_internal(self: Any, skip_rendering: bool = False) -> None:
        renderer = self.renderer
        if not (getattr(renderer, "frame_exact", False) and renderer.skip_animations):
            original(self, skip_rendering)
            return
        renderer.frame_exact_updaters = has_updaters(self)
        if renderer.jump:
            # A plan only: manim's own one-step skip, and the frames a render would write.
            import numpy as np
            from manim import config

            duration = self.get_run_time(self.animations)
            renderer.frame_exact_steps = len(np.arange(0, duration, 1 / config["frame_rate"]))
            # One step halfway costs about what each of a frame-exact skip's steps would.
            start = time.thread_time()
            self.update_to_time(duration / 2)
            renderer.frame_exact_step = time.thread_time() - start
            original(self, skip_rendering=True)
            return
        renderer.frame_exact_steps = _step_without_drawing(self)

    setattr(play_internal, _MARK, True)
    play_internal.__doc__ = original.__doc__
    play_internal.__wrapped__ = original  # type: ignore[attr-defined]  # for the relies-check
    Scene.play_internal = play_internal  # type: ignore[method-assign]


def _step_without_drawing(scene: Any) -> int:
    """manim's ``play_internal`` for a rendered play, minus the drawing; returns the number
    of frame times stepped through (the frames a render would have written)."""
    import numpy as np
    from manim import config

    assert scene.animations is not None
    scene.duration = scene.get_run_time(scene.animations)
    steps = 0
    # The same times as Scene.get_time_progression for a rendered play.
    for t in np.arange(0, scene.duration, 1 / config["frame_rate"]):
        scene.update_to_time(t)
        steps += 1
        if scene.stop_condition is not None and scene.stop_condition():
            break
    for animation in scene.animations:
        animation.finish()
        animation.clean_up_from_scene(scene)
    scene.update_mobjects(0)  # a rendered play ends with this; a skipped one does not
    scene.renderer.static_image = None
    return steps


def has_updaters(scene: Any) -> bool:
    """Whether anything in ``scene`` changes by itself each frame (an updater on the scene or
    on a mobject in it): a skipped play must then be stepped through frame by frame."""
    return bool(scene.updaters) or any(m.updaters for m in scene.get_mobject_family_members())


class PlayFrames(NamedTuple):
    """A play as a render would write it: how many frames, whether they are one held frame,
    and whether updaters ran during it (skipping it then steps them through every frame)."""

    frames: int
    held: bool
    updaters: bool = False
    step: float | None = None
    """A plan's measure (``jump``): CPU seconds of one step of the play without drawing."""


#: Given every play of a scene, the segment files of the plays rendered elsewhere (by index).
SegmentProvider = Callable[[list[PlayFrames]], dict[int, Path]]


def frame_exact_scene(
    scene_cls: type[Any],
    *,
    segments_only: bool = False,
    provider: SegmentProvider | None = None,
    jump: bool = False,
) -> Any:
    """A ``scene_cls`` whose skipped plays end in exactly the state, and at exactly the clock
    time, a rendered play would (*frame-exact* above).  Its renderer is the one manim makes for
    the scene (with the scene's camera: a ``ThreeDScene``'s is a ``ThreeDCamera``), turned into
    a subclass that draws nothing while it skips: nobody sees those frames.

    ``segments_only`` (a chunk of a chunked render): at the end, wait for the segments of the
    rendered plays to be encoded, and join nothing.  ``provider`` (the joining pass of a chunked
    render, which skips every play): at the end, ask it for the other plays' segments, slot them
    where manim's file writer keeps the segments of its plays and sections, then let manim join
    them (the movie, the section clips and the subcaptions) with its own code (*chunks*).
    ``jump`` (a plan only, :func:`lowrank_anim.pipeline.chunks.auto_chunks`): skipped plays
    jump to their end in one step as manim's own skipping does (updaters drift, which a plan
    does not mind), still recording the frames and updaters a render would have; use it with
    ``segments_only`` (nothing to join).
    """
    scene = _recast_renderer(scene_cls(), _frame_exact_class(segments_only, provider))
    renderer: Any = scene.renderer
    renderer.played = []
    renderer.jump = jump
    return scene


def _frame_exact_class(segments_only: bool, provider: SegmentProvider | None) -> type[Any]:
    # It draws only when it renders, like a last-frame renderer.
    class FrameExactRenderer(_last_frame_class()):  # type: ignore[misc]
        frame_exact = True
        frame_exact_steps: int | None = None
        frame_exact_updaters = False
        frame_exact_step: float | None = None
        jump = False
        time: float  # CairoRenderer's clock

        played: list[PlayFrames]  # the skipped plays, for the provider

        def play(self, scene: Any, *args: Any, **kwargs: Any) -> None:
            start = self.time
            self.frame_exact_steps = None
            self.frame_exact_updaters = False
            self.frame_exact_step = None
            super().play(scene, *args, **kwargs)
            if not self.skip_animations:
                return
            dt = 1 / self.camera.frame_rate
            if self.frame_exact_steps is None:
                # A static wait: a render adds int(duration / dt) frames in one go.
                frames = int(scene.duration / dt)
                self.time = start + frames * dt
                self.played.append(PlayFrames(frames, True))
            else:
                # An animation: a render adds one frame's length per frame, one at a time.
                clock = start
                for _ in range(self.frame_exact_steps):
                    clock += dt
                self.time = clock
                self.played.append(
                    PlayFrames(
                        self.frame_exact_steps,
                        False,
                        self.frame_exact_updaters,
                        self.frame_exact_step,
                    )
                )

        def scene_finished(self, scene: Any) -> None:
            writer = self.file_writer
            if segments_only:
                writer.join_all_encode_jobs()
                return
            if provider is not None and self.played and writer.output_spec.is_video:
                _slot_segments(writer, provider(list(self.played)))
            super().scene_finished(scene)

    return FrameExactRenderer


def _slot_segments(writer: Any, made: dict[int, Path]) -> None:
    """Put segments rendered elsewhere where the writer keeps its plays' (and sections') own."""
    for index, path in made.items():
        writer.partial_movie_files[index] = str(path)
    # Each play appended one entry to the scene's list and one to its section's, in order.
    position = 0
    for section in writer.sections:
        for slot in range(len(section.partial_movie_files)):
            section.partial_movie_files[slot] = writer.partial_movie_files[position]
            position += 1
    if position != len(writer.partial_movie_files):
        raise RuntimeError("manim's sections do not account for every play's segment")


#: How long a frame queue's lock may stay taken before an abort takes it for leaked: the
#: encode thread holds it for microseconds at a time.
LEAKED_LOCK_SECONDS = 1.0


def free_leaked_lock(lock: Any, patience: float = LEAKED_LOCK_SECONDS) -> bool:
    """Release ``lock`` (a ``threading.Lock``) if it stays taken for ``patience`` seconds, and
    say whether it did: only an interrupt between its acquire and the ``with`` that would
    release it holds a frame queue's lock that long, and nobody else ever will release it."""
    if lock.acquire(timeout=patience):
        lock.release()
        return False
    lock.release()  # a plain Lock may be released by any thread
    return True


def send_end_marker(job: Any) -> None:
    """Put manim's end-of-segment marker in ``job``'s frame queue, waiting for room only while
    its encode thread lives to make some (a second marker is never read, so it is harmless)."""
    import queue

    while job.thread.is_alive():
        try:
            job.queue.put((-1, None), timeout=0.1)
            return
        except queue.Full:
            continue


def _unblocked_abort(abort: Callable[..., None]) -> Callable[..., None]:
    """manim's ``abort_encode_jobs``, after freeing the frame queues' leaked locks (see
    *encoder-abort*)."""

    @functools.wraps(abort)
    def abort_encode_jobs(self: Any, *args: Any, **kwargs: Any) -> None:
        current = self._current_encode_job
        for job in [current, *self._inflight_encode_jobs]:
            if job is not None:
                free_leaked_lock(job.queue.mutex)
        if current is not None and current._sealed:
            # Sealed, yet still the current job: the interrupt came while seal() was putting
            # the end marker (waiting for room in a full queue), and manim's abort, seeing the
            # job sealed, would put none and wait for the encode thread forever.
            current._abort_requested = True
            send_end_marker(current)
        abort(self, *args, **kwargs)

    setattr(abort_encode_jobs, _MARK, True)
    return abort_encode_jobs


class DaemonThread(threading.Thread):
    """A thread that never keeps the interpreter alive (see *encoder-abort*)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["daemon"] = True
        super().__init__(*args, **kwargs)


def atomic_tex_to_svg_file(
    expression: str, environment: str | None = None, tex_template: Any = None
) -> Path:
    """manim's ``tex_to_svg_file``, compiled privately, published atomically, read privately."""
    from manim import config
    from manim.utils import tex_file_writing

    template = tex_template if tex_template is not None else config["tex_template"]
    code = (
        template.get_texcode_for_expression(expression)
        if environment is None
        else template.get_texcode_for_expression_in_env(expression, environment)
    )
    shared = config.get_dir("tex_dir")
    cached = shared / f"{tex_file_writing.tex_hash(code)}.svg"
    if not cached.is_file():
        configured = config.tex_dir
        with scratch_dir(cached) as private, _stderr_held(cached.parent):
            config.tex_dir = private
            try:
                produced = tex_file_writing.tex_to_svg_file(expression, environment, template)
            finally:
                config.tex_dir = configured
            # manim ignores dvisvgm's exit status; a truncated SVG must never enter the cache.
            if not produced.read_bytes().rstrip().endswith(b"</svg>"):
                raise RuntimeError(f"dvisvgm wrote an incomplete SVG for {expression!r}")
            publish(produced, cached)
    return _private_link(cached)


#: manimpango's ``remove_last_M`` substitution (checked against its source by *text*).
_LAST_M = (r'Z M [^A-Za-z]*? "\/>', 'Z "/>')


def atomic_remove_last_M(file_name: str) -> None:
    """manimpango's ``remove_last_M`` without its in-place rewrite (see *text*): the file is
    left alone when the substitution changes nothing (every cached SVG: it was applied when
    the SVG was made), else replaced by a new file with an atomic rename."""
    import re

    path = Path(file_name)
    content = path.read_text()
    cleaned = re.sub(_LAST_M[0], _LAST_M[1], content)
    if cleaned != content:
        write_text_atomically(path, cleaned)


def _private_link(cached: Path) -> Path:
    """A path to ``cached`` that only this process uses (a hard link, else a copy)."""
    private = _private_dirs.get(cached.parent)
    if private is None or not private.is_dir():
        private = _exit_stack.enter_context(scratch_dir(cached))
        _private_dirs[cached.parent] = private
    link = private / cached.name
    if not link.exists():
        try:
            os.link(cached, link)
        except OSError:
            shutil.copyfile(cached, link)
    return link


@contextlib.contextmanager
def _stderr_held(directory: Path) -> Iterator[None]:
    """Hold what is written to file descriptor 2 (latex, dvisvgm, manim's log) in the block.

    It is replayed afterwards, unless the block failed because ``directory``'s disk is full:
    TeX then prints "fclose: No space left on device", which would only repeat our one line.
    """
    try:
        sys.stderr.flush()
        held = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
        saved = os.dup(2)
    except (OSError, ValueError):
        yield  # no spare descriptor or temp space: let the tools print as they like
        return
    failure: BaseException | None = None
    os.dup2(held.fileno(), 2)
    try:
        yield
    except BaseException as exc:
        failure = exc
        raise
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        held.seek(0)
        text = held.read()
        held.close()
        full = failure is not None and (
            disk_error(failure, directory) is not None or nearly_full(directory)
        )
        if text and not full:
            os.write(2, text)


def last_frame_scene(scene_cls: type[Any]) -> Any:
    """``scene_cls`` built as manim builds it, its renderer drawing only the final frame of a
    last-frame render.

    manim's renderer calls ``update_frame`` at every ``play`` and ``wait`` even while it
    skips animations, to keep a static background it then never uses; the final frame is
    drawn afresh in ``scene_finished``.  Skipping those draws leaves the PNG byte-identical.
    The scene makes its own renderer first, so it keeps the camera it asks for (a
    ``ThreeDScene`` a ``ThreeDCamera``; a renderer made beforehand had a 2-D one, and
    every 3-D preview failed).
    """
    return _recast_renderer(scene_cls(), _last_frame_class())


def _recast_renderer(scene: Any, renderer_class: type[Any]) -> Any:
    """Make ``scene``'s renderer an instance of ``renderer_class`` (a subclass of manim's
    ``CairoRenderer`` that adds no state of its own) and return the scene."""
    from manim.renderer.cairo_renderer import CairoRenderer

    if type(scene.renderer) is not CairoRenderer:
        raise RuntimeError(
            f"{renderer_class.__name__} needs manim's CairoRenderer: {scene.renderer}"
        )
    # The same object, now of the subclass: everything manim set up for it (the camera,
    # the file writer) stays.
    scene.renderer.__class__ = renderer_class
    return scene


@functools.cache
def _last_frame_class() -> type[Any]:
    from manim.renderer.cairo_renderer import CairoRenderer

    class LastFrameRenderer(CairoRenderer):
        finishing = False

        def update_frame(self, *args: Any, **kwargs: Any) -> None:
            raise_if_lost()  # once a frame: an interrupt Python swallowed stops the render
            if self.skip_animations and not self.finishing:
                return
            super().update_frame(*args, **kwargs)

        def scene_finished(self, scene: Any) -> None:
            self.finishing = True
            super().scene_finished(scene)

    return LastFrameRenderer


@contextlib.contextmanager
def stopping_encoders(scene: Any) -> Iterator[None]:
    """Run ``scene.render()`` inside this: if it raises, the encode threads of the unfinished
    play are told to stop, so the process can exit (see *encoder-abort* above)."""
    try:
        yield
    except BaseException:
        writer = getattr(getattr(scene, "renderer", None), "file_writer", None)
        if writer is not None:
            with contextlib.suppress(BaseException):  # the render's own error comes first
                writer.abort_encode_jobs()
        raise


# What each patch relies on ------------------------------------------------------------------


def _tex_relies() -> None:
    import manim.mobject.text.tex_mobject as tex_mobject
    from manim.utils import tex_file_writing
    from manim.utils.tex import TexTemplate

    assert callable(getattr(tex_mobject, "tex_to_svg_file", None)), "tex_mobject.tex_to_svg_file"
    params = list(inspect.signature(tex_file_writing.tex_to_svg_file).parameters)
    assert params[:3] == ["expression", "environment", "tex_template"], params
    assert callable(tex_file_writing.tex_hash), "tex_file_writing.tex_hash"
    for name in ("get_texcode_for_expression", "get_texcode_for_expression_in_env"):
        assert callable(getattr(TexTemplate, name, None)), f"TexTemplate.{name}"


def _text_relies() -> None:
    import manim.mobject.text.text_mobject as text_mobject
    from manimpango.utils import PangoUtils

    source = inspect.getsource(text_mobject)
    assert source.count("PangoUtils.remove_last_M(file_name)") >= 2, "Text/MarkupText call it"
    original = inspect.getsource(inspect.getmodule(PangoUtils))  # type: ignore[arg-type]
    assert f"r'{_LAST_M[0]}', '{_LAST_M[1]}'" in original, "remove_last_M's substitution"


def _last_frame_relies() -> None:
    from manim.renderer.cairo_renderer import CairoRenderer

    for name in ("update_frame", "scene_finished"):
        assert callable(getattr(CairoRenderer, name, None)), f"CairoRenderer.{name}"
    assert "skip_animations" in inspect.getsource(CairoRenderer.__init__), "skip_animations"


def _sections_relies() -> None:
    from manim import Scene
    from manim.scene.scene_file_writer import SceneFileWriter
    from manim.utils.exceptions import EndSceneEarlyException

    assert issubclass(EndSceneEarlyException, Exception)
    assert "name" in inspect.signature(Scene.next_section).parameters, "Scene.next_section(name)"
    source = inspect.getsource(SceneFileWriter)
    assert "section_index" in source, "SceneFileWriter.output_plan.section_index"


def _encoder_abort_relies() -> None:
    import manim.scene.scene_file_writer as scene_file_writer

    assert callable(getattr(scene_file_writer.SceneFileWriter, "abort_encode_jobs", None)), (
        "SceneFileWriter.abort_encode_jobs"
    )
    thread = getattr(scene_file_writer, "Thread", None)
    assert isinstance(thread, type), "scene_file_writer.Thread"
    assert issubclass(thread, threading.Thread), "scene_file_writer.Thread"
    assert "Thread(" in inspect.getsource(scene_file_writer), "scene_file_writer makes Thread(...)"
    abort = inspect.getsource(inspect.unwrap(scene_file_writer.SceneFileWriter.abort_encode_jobs))
    assert "self._current_encode_job" in abort, "abort_encode_jobs uses _current_encode_job"
    assert "self.join_all_encode_jobs()" in abort, "abort_encode_jobs joins the jobs in flight"
    writer = inspect.getsource(scene_file_writer.SceneFileWriter)
    assert "self._inflight_encode_jobs" in writer, "SceneFileWriter._inflight_encode_jobs"
    job = inspect.getsource(scene_file_writer._PartialMovieEncodeJob)
    assert "self.queue: Queue[" in job, "_PartialMovieEncodeJob.queue is a queue.Queue"
    for needed in (
        "self._sealed = True",
        "self._abort_requested = True",
        "self.queue.put((-1, None))",
    ):
        assert needed in job, f"_PartialMovieEncodeJob: {needed}"


def _frame_exact_relies() -> None:
    from manim import Scene
    from manim.renderer.cairo_renderer import CairoRenderer

    for name in ("play_internal", "update_to_time", "update_mobjects", "get_run_time"):
        assert callable(getattr(Scene, name, None)), f"Scene.{name}"
    internal = inspect.getsource(inspect.unwrap(Scene.play_internal))
    for needed in ("update_to_time", "animation.finish()", "clean_up_from_scene", "static_image"):
        assert needed in internal, f"Scene.play_internal calls {needed}"
    progression = inspect.getsource(Scene.get_time_progression)
    assert "np.arange(0, run_time, step)" in progression, "Scene.get_time_progression's times"
    play = inspect.getsource(CairoRenderer.play)
    assert "self.time += scene.duration" in play, "CairoRenderer.play advances time when skipping"
    assert "scene.play_internal()" in play, "CairoRenderer.play calls scene.play_internal()"
    freeze = inspect.getsource(CairoRenderer.freeze_current_frame)
    assert "int(duration / dt)" in freeze, "CairoRenderer.freeze_current_frame's frame count"
    assert "self.time += num_frames * dt" in inspect.getsource(CairoRenderer.add_frame), (
        "CairoRenderer.add_frame advances time per frame"
    )


def _held_frame_relies() -> None:
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    original = inspect.getsource(VideoSegmentEncoder)
    for needed in (
        "def write_frame(self, pixels: RGBAPixelArray, *, repeat: int = 1)",
        "self._validate_frame(pixels, repeat)",
        "for _ in range(repeat):",
        'av.VideoFrame.from_ndarray(pixels, format="rgba")',
        "frame.pts = self._next_pts",
        "self._stream.encode(frame)",
        "self._container.mux(packet)",
        'self._operation_error("encode", error)',
        "stream.pix_fmt = ",
    ):
        assert needed in original, f"VideoSegmentEncoder has {needed}"


def _poster_relies() -> None:
    from manim.camera.camera import Camera
    from manim.renderer.cairo_renderer import CairoRenderer

    assert callable(getattr(Camera, "get_image", None)), "Camera.get_image"
    assert "self.camera" in inspect.getsource(CairoRenderer.__init__), "CairoRenderer.camera"


#: Patch name → a check that raises when the installed manim no longer has what it uses.
PATCHES: dict[str, Callable[[], None]] = {
    "tex": _tex_relies,
    "text": _text_relies,
    "last-frame": _last_frame_relies,
    "poster": _poster_relies,
    "sections": _sections_relies,
    "encoder-abort": _encoder_abort_relies,
    "frame-exact": _frame_exact_relies,
    "held-frame": _held_frame_relies,
}


def broken_patches(patches: dict[str, Callable[[], None]] | None = None) -> dict[str, str]:
    """Patch name → what is missing, for every patch the installed manim breaks."""
    broken: dict[str, str] = {}
    for name, check in (PATCHES if patches is None else patches).items():
        try:
            check()
        except Exception as exc:
            broken[name] = f"{type(exc).__name__}: {exc}"
    return broken
