"""The one place that knows the project's paths: the checkout (or install) root, ``scenes/``,
``assets/`` and the lock file.

In a checkout everything sits beside the ``lowrank_anim`` package.  An installed copy (the
Docker image installs a wheel) has ``scenes`` beside it in site-packages but no ``assets/``
there; ``LOWRANK_ANIM_ASSETS`` (set by the image) names where they are instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: The directory that holds the ``lowrank_anim`` and ``scenes`` packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Environment variable naming the assets folder when it is not beside the packages.
ASSETS_ENV = "LOWRANK_ANIM_ASSETS"

#: The render output folder commands write under by default (relative to where they run).
DEFAULT_OUTPUT_DIR = Path("media")

#: The pinned versions the doctor compares the installed packages with.
LOCK_FILE = PROJECT_ROOT / "requirements.lock"


def assets_dir(root: Path = PROJECT_ROOT) -> Path:
    """The project's ``assets/`` folder: ``$LOWRANK_ANIM_ASSETS`` if set, else beside the
    packages (it may not exist: an install without assets renders all the same)."""
    configured = os.environ.get(ASSETS_ENV)
    if configured and root == PROJECT_ROOT:
        return Path(configured)
    return root / "assets"


def scenes_dir(root: Path = PROJECT_ROOT) -> Path:
    """The ``scenes`` package's folder."""
    return root / "scenes"


def copy_project(destination: Path, root: Path = PROJECT_ROOT) -> Path:
    """A copy of what renders and watch mode run (``render.py``, the packages, ``assets/``) at
    ``destination``, for tests and benchmarks that edit scene files."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    destination.mkdir()
    shutil.copy2(root / "render.py", destination / "render.py")
    for folder in ("lowrank_anim", "scenes", "assets"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, destination / folder, ignore=ignore)
    return destination
