"""Authoring: fast last-frame previews, watch mode and its live preview page."""
