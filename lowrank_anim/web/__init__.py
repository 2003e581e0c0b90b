"""The blog: web-ready export, embed snippets and the static gallery page."""
