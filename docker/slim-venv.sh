#!/bin/sh
# Drop from /opt/venv what a Cairo render never loads (run in the builder, after pip; issue 14).
#
# Why: the venv is ~40% of the image, and manim's requirements include its OpenGL renderer (a
# window, GPU shaders) and all of SciPy, while `import manim` plus a Cairo render load only
# moderngl (imported at `import manim`, kept) and scipy's _lib, constants, linalg, sparse,
# spatial and special (manim uses scipy.spatial.transform.Rotation, nothing else). Measured with
# sys.modules after `import manim` and renders of every scene, and grep over manim's source.
# Removed packages also lose their dist-info, so nothing claims they are installed.
# The image's build then renders nothing, but imports every scene (docker/check-image.sh), and the
# Docker tests render MathTex scenes in it.
set -eu
site="$(echo /opt/venv/lib/python3*/site-packages)"
[ -d "$site/manim" ] || { echo "slim-venv: no manim under $site" >&2; exit 1; }
before="$(du -sm /opt/venv | cut -f1)"
cd "$site"

# The OpenGL renderer's window and maths: only `manim --renderer=opengl` imports them.
rm -rf pyglm pyglm-* pyglm_stubs pyglm-stubs glm glm-stubs pyglet pyglet-* \
    moderngl_window moderngl_window-* glcontext glcontext-* screeninfo screeninfo-*

# SciPy subpackages nothing imports (the 6 listed above are kept, with what they import).
for sub in cluster datasets differentiate fft fftpack integrate interpolate io misc ndimage odr \
    optimize signal stats; do
    rm -rf "scipy/$sub"
done

# numpy's C headers and PyInstaller hook (build-time only). numpy.f2py stays: scipy's array-API
# layer does `from numpy import *`, which imports it.
rm -rf numpy/_core/include numpy/_pyinstaller
# Cython sources and type stubs: read by compilers and type checkers, never at run time.
find . \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pyi' \) -type f -delete

echo "slim-venv: /opt/venv ${before} MB -> $(du -sm /opt/venv | cut -f1) MB"
