"""The 3-D base: a far camera at a chosen angle, light 3-D arrows, labels that face the camera,
pieces of planes, and panels pinned to the frame.

:class:`LowRankScene3D` adds to the shared base (``scenes.base``) what only 3-D scenes draw, as
``get_*`` builders.  Where the camera looks from and how big the picture is come from
:mod:`lowrank_anim.maths.view3d` (pure numpy), so the builders only turn model coordinates into
mobjects.  ``FullStory`` is a 3-D scene too, because one of its chapters is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import *

from lowrank_anim.maths import layout
from lowrank_anim.maths.model import Example
from lowrank_anim.maths.view3d import CameraAngle
from scenes.base import LowRankScene
from scenes.builders import MIN_ARROW

#: CameraAngle distance, scene units: so far that there is no perspective, and a point shows
#: exactly where :meth:`lowrank_anim.maths.view3d.CameraAngle.project` says.
FAR_CAMERA = 1e5


class SpaceArrow(VGroup):
    """A light 3-D arrow: a stroke and a low-poly cone whose tip is exactly at ``end``.

    manim's Arrow3D draws a 32×32-face cone and a cylinder, which makes a turning camera
    render slowly; this looks the same at video sizes for a fraction of the work.
    """

    def __init__(self, start: np.ndarray, end: np.ndarray, colour: str) -> None:
        begin, finish = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        length = float(np.linalg.norm(finish - begin))
        parts: list[VMobject] = []
        if length >= MIN_ARROW:
            unit = (finish - begin) / length
            tip = min(0.25, 0.35 * length)
            parts.append(Line(begin, finish - unit * tip * 0.9, color=colour, stroke_width=6))
            cone = Cone(
                base_radius=tip * 0.32,
                height=tip,
                direction=unit,
                resolution=(1, 8),
                fill_color=colour,
                fill_opacity=1,
                stroke_width=0,
            )
            parts.append(cone.shift(finish))
        self.start_point = VectorizedPoint(begin)
        self.end_point = VectorizedPoint(finish)
        super().__init__(*parts, self.start_point, self.end_point)

    def get_start(self) -> np.ndarray:
        return self.start_point.get_center()

    def get_end(self) -> np.ndarray:
        return self.end_point.get_center()


class LowRankScene3D(LowRankScene, ThreeDScene):
    """The base for 3-D scenes (and for FullStory, which contains one): a far camera, labels
    that keep facing it, panels pinned to the frame, and the 3-D builders."""

    @classmethod
    def fit(cls, ex: Example) -> layout.View:
        return layout.fit_view_3d(cls.layout_points(ex))

    def open_chapter(self, chapter: type[LowRankScene], prefix: str = "") -> None:
        super().open_chapter(chapter, prefix)
        self.labels_3d: dict[str, Mobject] = {}
        """Labels placed in space, by ``role:tex``, so tests can find what each one covers."""

    def look_from(self, camera: CameraAngle) -> None:
        """Put the camera where ``camera`` says, far away (no perspective)."""
        self.set_camera_orientation(
            phi=camera.phi, theta=camera.theta, gamma=0, zoom=1, focal_distance=FAR_CAMERA
        )

    def pin(self, *mobjects: Mobject) -> None:
        """Keep ``mobjects`` (panels, titles) fixed in the frame while the camera moves."""
        self.add_fixed_in_frame_mobjects(*mobjects)

    def set_number(self, name: str, value: float) -> None:
        # set_value rebuilds the digits; pin the new ones to the frame like the old ones.
        super().set_number(name, value)
        if self.numbers[name] in self.camera.fixed_in_frame_mobjects:
            self.camera.add_fixed_in_frame_mobjects(self.numbers[name])

    def face_camera(self, *mobjects: Mobject) -> None:
        """Keep ``mobjects`` (labels in space) turned towards the camera."""
        self.add_fixed_orientation_mobjects(*mobjects)

    def reset_camera(self) -> None:
        """Back to the flat view of the 2-D scenes, nothing pinned, no rotation."""
        self.stop_ambient_camera_rotation()
        self.set_camera_orientation(phi=0, theta=-PI / 2, gamma=0, zoom=1, focal_distance=20)
        self.camera.fixed_in_frame_mobjects = set()
        self.camera.fixed_orientation_mobjects = {}

    # Builders: 3-D ----------------------------------------------------------------------

    def get_axes_3d(self, low: Any = None, high: Any = None) -> ThreeDAxes:
        """Themed 3-D axes through the origin, each from ``low`` to ``high`` (model coordinates,
        stretched to hold 0; by default as far as 85% of the frame's half-height).  They carry
        no ticks: without numbers a tick says nothing, and the axes end where the picture
        does, so the fitted picture holds them."""
        reach = layout.FRAME_HALF_HEIGHT * 0.85 / self.view.scale
        lows = np.full(3, -reach) if low is None else np.minimum(np.asarray(low, float), 0)
        highs = np.full(3, reach) if high is None else np.maximum(np.asarray(high, float), 0)
        spans = np.maximum(highs - lows, 1e-9)
        ranges = [
            (float(lo), float(lo + span), float(span)) for lo, span in zip(lows, spans, strict=True)
        ]
        axes = ThreeDAxes(
            x_range=ranges[0],
            y_range=ranges[1],
            z_range=ranges[2],
            x_length=float(spans[0] * self.view.scale),
            y_length=float(spans[1] * self.view.scale),
            z_length=float(spans[2] * self.view.scale),
            axis_config={
                "stroke_color": self.theme.muted,
                "stroke_width": 1.5,
                "include_tip": False,
                "include_ticks": False,
            },
        )
        axes.shift(self.c2p((0, 0, 0)) - axes.c2p(0, 0, 0))
        return axes

    def get_vector_3d(self, end: Any, role: str, start: Any = (0, 0, 0)) -> SpaceArrow:
        """A 3-D arrow from ``start`` to ``end`` (model coordinates) in ``role``'s colour."""
        return SpaceArrow(self.c2p(start), self.c2p(end), self.theme.role(role))

    def get_label_3d(
        self, tex: str, role: str, at: Any = None, arrow: Mobject | None = None, scale: float = 0.75
    ) -> MathTex:
        """A label in space: centred on the scene point ``at`` (where a placement put it), or
        else just beyond ``arrow``'s tip.  Call :meth:`face_camera` on it to keep it upright."""
        label = MathTex(tex, color=self.theme.role(role)).scale(scale)
        if at is not None:
            return label.move_to(np.asarray(at, dtype=float))
        if arrow is not None:
            direction = arrow.get_end() - arrow.get_start()
            unit = direction / max(float(np.linalg.norm(direction)), 1e-9)
            label.move_to(arrow.get_end() + unit * 0.35)
        return label

    def get_span_patch(
        self,
        u1: Any,
        u2: Any,
        through: Any,
        reach: tuple[float, float] | tuple[tuple[float, float], tuple[float, float]] = (1.3, 1.3),
        role: str = "u",
    ) -> Polygon:
        """A parallelogram of the plane span(u₁, u₂) moved to pass through ``through`` (model
        coordinates): ``through + a·u₁ + b·u₂`` for ``a``, ``b`` in ``reach`` (a half-width
        each, or a (low, high) range each)."""
        a, b = np.asarray(u1, dtype=float), np.asarray(u2, dtype=float)
        p = np.asarray(through, dtype=float)
        (lo1, hi1), (lo2, hi2) = (
            r if isinstance(r, tuple) else (-float(r), float(r)) for r in reach
        )
        corners = [p + s * a + t * b for s, t in ((hi1, hi2), (lo1, hi2), (lo1, lo2), (hi1, lo2))]
        return Polygon(
            *(self.c2p(c) for c in corners),
            color=self.theme.role(role),
            fill_opacity=0.18,
            stroke_width=1,
            stroke_opacity=0.5,
        )
