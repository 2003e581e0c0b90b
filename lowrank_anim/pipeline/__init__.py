"""The render pipeline: a request, its manim configuration, the render itself, the cache and
manifest, encoding, sections, safe output files and the LaTeX store.
"""
