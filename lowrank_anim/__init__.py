"""lowrank-anim: animations of low-rank (LoRA-style) updates, and the tools to render them.

Subpackages by job: ``core`` (safe output files and the SIGTERM policy, the ground floor),
``maths`` (the model, parameters, palette, layout), ``pipeline`` (request, configuration,
rendering, cache, encoding, the LaTeX store), ``authoring`` (preview, watch), ``web`` (export,
embed, gallery), ``health`` (doctor, diagnosis) and ``cli`` (the commands ``render.py`` runs).
``registry`` names the scenes; ``paths`` knows where things are; ``layers`` says which part may
import which (``docs/architecture.md``).
"""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("lowrank-anim")
except importlib.metadata.PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext lowrank_anim`` in Jupyter: adds the ``%lowrank`` line magic (see
    :mod:`lowrank_anim.notebook`; imported only here, so the CLI never loads IPython)."""
    # By name, not an import statement: every module's render cache key follows the import
    # graph through this package's __init__, and the notebook module (which imports the CLI)
    # cannot change a pixel.
    import importlib

    importlib.import_module("lowrank_anim.notebook").load_ipython_extension(ipython)
