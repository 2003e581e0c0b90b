"""Every patch of manim's internals still fits the installed manim, named when it does not."""

from __future__ import annotations

import pytest

from lowrank_anim.pipeline import manim_patches


def test_every_patch_fits_the_installed_manim() -> None:
    broken = manim_patches.broken_patches()
    assert not broken, "a manim upgrade broke these patches (see manim_patches.py): " + "; ".join(
        f"{name}: {why}" for name, why in broken.items()
    )


def test_the_patches_cover_tex_last_frame_poster_and_sections() -> None:
    assert set(manim_patches.PATCHES) == {"tex", "last-frame", "poster", "sections"}


def test_a_patch_whose_manim_internal_moved_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate an upgrade that renames the function the tex patch replaces."""
    import manim.mobject.text.tex_mobject as tex_mobject

    monkeypatch.delattr(tex_mobject, "tex_to_svg_file")
    broken = manim_patches.broken_patches()
    assert list(broken) == ["tex"]
    assert "tex_mobject.tex_to_svg_file" in broken["tex"]


def test_a_renderer_without_update_frame_breaks_the_last_frame_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from manim.renderer.cairo_renderer import CairoRenderer

    monkeypatch.delattr(CairoRenderer, "update_frame")
    assert "CairoRenderer.update_frame" in manim_patches.broken_patches()["last-frame"]


def test_install_is_idempotent_and_replaces_the_name_tex_mobject_uses() -> None:
    import manim.mobject.text.tex_mobject as tex_mobject

    manim_patches.install()
    first = getattr(tex_mobject, "tex_to_svg_file")  # noqa: B009 - not re-exported for mypy
    manim_patches.install()
    assert getattr(tex_mobject, "tex_to_svg_file") is first  # noqa: B009
    assert first is manim_patches.atomic_tex_to_svg_file
