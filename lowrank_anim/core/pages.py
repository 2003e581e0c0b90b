"""The one Jinja2 environment for a package's HTML page templates (the gallery, the live
preview): every value escaped (autoescape), every name a template uses required (a missing one
is an error, not an empty string).  Jinja2 is imported on the first page, so commands that
write none do not load it."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment


@functools.cache
def page_templates(package: str) -> Environment:
    """The templates in ``package``'s ``templates/`` folder (shipped as package data)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,  # every template is HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
