"""Render registered scenes to predictable paths, the same way from the CLI, tests and Docker.

Rendering happens in-process, in the one render context (:mod:`lowrank_anim.pipeline.context`,
manim's ``tempconfig``).  Each render gets its own scratch media directory next to the final
file; only when manim has finished is the result moved into place with an atomic rename, so a
failed or interrupted render never leaves a half-written file where a good one was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish_together
from lowrank_anim.pipeline import manim_patches, texstore

# RenderError and scene_variant are named here too, where callers have always found them.
from lowrank_anim.pipeline.context import RenderError as RenderError
from lowrank_anim.pipeline.context import render_context
from lowrank_anim.pipeline.context import scene_variant as scene_variant
from lowrank_anim.pipeline.ffmpeg import LOSSLESS_ENCODER_OPTIONS, encode_gif
from lowrank_anim.pipeline.request import DEFAULT_OUTPUT_DIR, VIDEO_FORMATS, RenderRequest

#: Video formats whose render also publishes a poster (the last frame) beside the video.
POSTER_FORMATS = ("mp4", "webm", "mov")


def poster_path(final: Path) -> Path:
    """Where a rendered video's poster goes: ``SCENE[-variant].poster.png`` beside it."""
    return final.with_suffix(".poster.png")


#: The manim configuration keys a chunk of a render must share with the render itself.
CHUNK_CONFIG_KEYS = ("format", "video_encoder_options", "max_inflight_encoders")


@dataclass(frozen=True)
class Segments:
    """Plays rendered elsewhere: their segment files' bytes by play index, the segments'
    extension, and the last frame drawn (PNG bytes) when the last play was among them."""

    by_play: dict[int, bytes]
    suffix: str
    poster: bytes | None = None


#: Renders the plays of a request elsewhere, given every play's (frames, held) as a render
#: would write them, the manim keys that decide the segments' bytes, and the output directory
#: whose LaTeX store they may use (:mod:`lowrank_anim.pipeline.chunks`).
SegmentRenderer = Callable[
    [RenderRequest, "list[manim_patches.PlayFrames]", dict[str, Any], Path], Segments
]


def params_record(request: RenderRequest) -> dict[str, Any]:
    """What the ``.params.json`` sidecar says: the values given and the full example drawn."""
    example = request.example
    drawn: dict[str, Any] = {}
    if example is not None:
        drawn = {
            "W": example.update.W.tolist(),
            "U_columns": example.update.U.T.tolist(),
            "V_columns": example.update.V.T.tolist(),
            "x": example.x.tolist(),
        }
    return {
        "scene": request.scene.name,
        "tag": request.params.tag,
        "given": request.params.as_json(),
        "drawn": drawn,
    }


def render(
    request: RenderRequest,
    output_dir: Path = DEFAULT_OUTPUT_DIR,
    *,
    store: Path | None = None,
    segments: SegmentRenderer | None = None,
    encoder: Mapping[str, Any] | None = None,
) -> Path:
    """Render one request and return the path of the finished file.

    Compiled LaTeX and text come from (and go to) the store of ``store``, by default
    ``output_dir`` (:mod:`lowrank_anim.pipeline.texstore`). ``encoder``: the encoder's manim
    keys (:mod:`lowrank_anim.pipeline.encoding`); manim's defaults without it.

    With ``segments`` (a chunked render of a video), this process draws nothing: it runs the
    scene once skipping every play (frame-exact: the same plays, clock and captions), hands
    the plan to ``segments``, which renders the plays elsewhere, and joins what comes back with
    manim's own code, exactly as the segments of a render in one piece are joined.
    """
    from manim import config

    final = request.output_path(output_dir)
    store = output_dir if store is None else store
    chunked = segments is not None and request.fmt != "png"
    # A GIF is encoded from a lossless mp4 by the same two-pass palette as `export --gif`.
    gif = request.fmt == "gif"
    overrides: dict[str, Any] = {}
    if gif:
        overrides = {"format": "mp4", "video_encoder_options": LOSSLESS_ENCODER_OPTIONS}
    if chunked:
        overrides["from_animation_number"] = 10**9  # skip every play here
    with render_context(
        request, tex_store=store, beside=final, encoder=encoder, overrides=overrides
    ) as context:
        media_dir = context.media_dir
        poster: Path | None = media_dir / "poster.png"

        def elsewhere(played: list[manim_patches.PlayFrames]) -> dict[int, Path]:
            """Render the plays in chunks; the segment files, by play, in ``media_dir``."""
            assert segments is not None
            # The chunks start from the store: give it this pass's LaTeX first.
            texstore.harvest_all(context.caches, store)
            keys = {key: config[key] for key in CHUNK_CONFIG_KEYS}
            made = segments(request, played, keys, store)
            folder = media_dir / "chunks"
            folder.mkdir()
            paths = {}
            for index, data in made.by_play.items():
                paths[index] = folder / f"{index:05d}{made.suffix}"
                paths[index].write_bytes(data)
            if made.poster is not None and poster is not None:
                poster.write_bytes(made.poster)
            return paths

        scene = context.render(
            manim_patches.frame_exact_scene(
                context.scene_class, provider=elsewhere if chunked else None
            )
        )
        writer = scene.renderer.file_writer
        if request.fmt not in POSTER_FORMATS:
            poster = None
        elif not chunked:
            # The last frame, as the player shows it before playback (and the gallery).
            scene.renderer.camera.get_image().save(poster)
        produced = context.output(scene)
        if gif:
            produced = encode_gif(produced, produced.with_suffix(".gif"), media_dir)
        # Beat clips first (a folder of their own), then the clip's files together, video last.
        if request.sections:
            publish_beat_clips(writer, request.sections_dir(output_dir))
        # The files of one clip. The .srt and .params.json names are shared with the other
        # formats of the same variant (same stem), so a png render leaves the .srt alone.
        clip: dict[Path, Path | None] = {}
        if request.fmt in VIDEO_FORMATS:
            subtitles = produced.with_suffix(".srt")
            clip[final.with_suffix(".srt")] = subtitles if subtitles.is_file() else None
        if poster is not None:
            clip[poster_path(final)] = poster
        if request.params:
            sidecar = media_dir / "params.json"
            sidecar.write_text(json.dumps(params_record(request), indent=2) + "\n", "utf-8")
            clip[request.params_path(output_dir)] = sidecar
        clip[final] = produced
        publish_together(clip)
        return final


def publish_beat_clips(writer: Any, final_dir: Path) -> list[Path]:
    """Publish the clips manim cut at each ``next_section`` (one per beat)."""
    from lowrank_anim.pipeline.sections import publish_sections

    index = writer.output_plan.section_index
    if index is None or not Path(index).is_file():
        raise RenderError("manim wrote no section clips; render a video format with --sections")
    return publish_sections(Path(index), final_dir)
