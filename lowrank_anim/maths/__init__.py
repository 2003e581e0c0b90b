"""The numbers and how they are drawn: the rank-r model, scene parameters, the palette and the
layout fitting. Pure: numpy at most, never manim.
"""
