#!/usr/bin/env python3
"""lowrank-anim's command line: list, render, preview, export, embed and gallery.

A thin entry point: the click group lives in :mod:`lowrank_anim.cli.app`, its commands by job
beside it.  Run ``python render.py --help`` (or ``lowrank-anim --help`` once installed, or
``python -m lowrank_anim --help``).
"""

from lowrank_anim.cli.app import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":
    main()
