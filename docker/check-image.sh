#!/bin/sh
# The runtime image's last build step: prove that what docker/slim-venv.sh and
# docker/slim-runtime.sh left is enough to render, so a too-eager removal fails the build, not a
# user's render.
#   1. the programs a render runs (python, latex's pdfTeX, dvisvgm, kpathsea, fontconfig) and the
#      extension modules built against Debian's libraries (pycairo, manimpango) find all their
#      shared libraries (ldd prints "not found" otherwise). Only these: the wheels' modules link
#      their own vendored libraries, and ldd runs the loader, slow under QEMU (~1 s a file);
#   2. the CLI imports every scene (manim, numpy, scipy's kept parts, cairo, pango);
#   3. manim's MathTex compiles its default template with latex and dvisvgm;
#   4. latex's format was built into the image (the Dockerfile tells fmtutil to build only a few):
#      a missing one would be rebuilt silently by every container, in its /tmp, at every render.
set -eu
site="$(echo /opt/venv/lib/python3*/site-packages)"
missing="$(
    for f in /usr/bin/python3.* /usr/bin/pdftex /usr/bin/dvisvgm /usr/bin/kpsewhich \
        /usr/bin/fc-cache "$site"/cairo/*.so "$site"/manimpango/*.so; do
        [ -e "$f" ] || { echo "$f is missing"; continue; }
        head -c 4 "$f" | grep -q 'ELF' || continue
        ldd "$f" 2>/dev/null | sed -n "s|^[[:space:]]*\([^ ]*\) => not found|$f needs \1|p"
    done
)"
if [ -n "$missing" ]; then
    echo "check-image: shared libraries missing:" >&2
    echo "$missing" >&2
    exit 1
fi
work="$(mktemp -d)"
cd "$work"
export HOME="$work" TEXMFVAR="$work/texmf-var" XDG_CACHE_HOME="$work/.cache"
/opt/venv/bin/lowrank-anim list >/dev/null
/opt/venv/bin/python - <<'PY'
from manim import MathTex, config

config.media_dir = "."
tex = MathTex(r"\alpha = v^\top x,\ z = y + \alpha u \in \mathbb{R}^n")
assert len(tex.submobjects) > 0 and tex.width > 0, "MathTex produced nothing"
PY
fmt="$(kpsewhich -engine=pdftex latex.fmt)"
case "$fmt" in
    /var/lib/texmf/*) ;;
    *) echo "check-image: latex.fmt is not prebuilt in /var/lib/texmf (found: '$fmt')" >&2; exit 1 ;;
esac
[ ! -e /etc/texmf/web2c/fmtutil.cnf ] || { echo "check-image: the build's fmtutil.cnf is left" >&2; exit 1; }
cd /
rm -rf "$work"
echo "check-image: libraries, scene imports, MathTex and the prebuilt latex format all work"
