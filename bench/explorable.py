#!/usr/bin/env python3
"""Benchmark: how much the explorable figure costs a reader to download.

Measures the files ``render.py export RankOneUpdate --explorable`` writes (the shared
``lowrank-explorable.js`` and ``.css``, and the scene's snippet with its JSON configuration):
raw bytes and gzip at levels 6 (what most web servers send) and 9.  Target: script + style
≤ 15 KB gzipped.  Prints a Markdown table; not a test: it measures, it does not assert.
Sizes only: no time is measured, so the machine's load does not matter here.

    python -m bench.explorable
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from lowrank_anim.registry import get_scene
from lowrank_anim.web.explorable import SCRIPT, STYLE, write_explorable

TARGET = 15 * 1024


def gzipped(data: bytes, level: int) -> int:
    return len(gzip.compress(data, compresslevel=level, mtime=0))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_explorable(get_scene("RankOneUpdate"), out, poster="RankOneUpdate.png")
        files = {
            "lowrank-explorable.js (shared)": (out / SCRIPT).read_bytes(),
            "lowrank-explorable.css (shared)": (out / STYLE).read_bytes(),
            "RankOneUpdate.explorable.html (snippet)": (
                out / "RankOneUpdate.explorable.html"
            ).read_bytes(),
        }
    print("| file | bytes | gzip -6 | gzip -9 |")
    print("| --- | ---: | ---: | ---: |")
    for name, data in files.items():
        print(f"| {name} | {len(data):,} | {gzipped(data, 6):,} | {gzipped(data, 9):,} |")
    shared = b"".join(data for name, data in files.items() if "shared" in name)
    # Two files are two responses: the total is the sum of their gzipped sizes.
    total6 = sum(gzipped(d, 6) for n, d in files.items() if "shared" in n)
    total9 = sum(gzipped(d, 9) for n, d in files.items() if "shared" in n)
    met = "yes" if total6 <= TARGET else "NO"
    print(f"| **script + style** | {len(shared):,} | **{total6:,}** | {total9:,} |")
    print()
    print(f"Target: script + style ≤ {TARGET:,} bytes gzipped (15 KB). Met: {met}.")


if __name__ == "__main__":
    main()
