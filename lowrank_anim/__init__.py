"""lowrank-anim: animations of low-rank (LoRA-style) updates, and the tools to render them.

``model`` holds the numbers, ``palette`` the colours, ``registry`` the scene names and
``rendering`` the render pipeline; ``render.py`` is the command line on top of them.
"""

__version__ = "0.1.0"
