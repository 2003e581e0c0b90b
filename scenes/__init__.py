"""Manim Community scenes for "What is going on with low-rank updates?".

Each module is a plain manim scene file (``manim -ql scenes/rank_one.py RankOneUpdate`` works);
``lowrank_anim.registry`` names the ones the CLI renders.
"""
