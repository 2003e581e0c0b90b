# lowrank-anim render image: the CLI, manim and a minimal TeX, built for exactly one architecture.
#
# Build with BuildKit, naming the platform (docker/build-image.sh and `make image` do this):
#   DOCKER_BUILDKIT=1 docker build --platform linux/amd64 -t lowrank-anim:amd64 .
#   docker buildx build --platform linux/arm64 --load -t lowrank-anim:arm64 .
# Optional, for TLS-inspecting proxies: --secret id=extra_ca,src=/path/to/extra-ca.crt
# Run locked down (see docs/docker.md), the host's media/ mounted at its own path so that the
# printed paths are the host's:
#   docker run --rm --network none --read-only --tmpfs /tmp --cap-drop ALL \
#     --security-opt no-new-privileges --user "$(id -u):$(id -g)" \
#     -v "$PWD/media:$PWD/media" lowrank-anim:amd64 render RankOneUpdate -q high --output-dir "$PWD/media"
#
# Stages: builder (on the BUILD platform: compilers, -dev headers, /opt/venv for the target from
# requirements.lock, cross-compiled where needed, slimmed) -> texmf (two LaTeX packages' files, also
# native) -> project (our wheel, the only thing rebuilt when the source changes) -> runtime (the
# target's own: libraries, fonts, TeX; no compilers, no pip). Building linux/arm64 on x86-64, only
# the runtime stage runs under QEMU.
# No `# syntax=` line on purpose: it would pull a frontend image from a registry at every build.

# Pinned by tag; overridable, e.g. with a locally seeded arm64 base (docker/seed-base.sh arm64).
ARG BASE_IMAGE=debian:bookworm-slim
# The builder runs on the BUILD platform (the machine's own, no emulation) and needs a base of that
# platform: the same Debian release as BASE_IMAGE, so both have bookworm's Python 3.11.
ARG BUILD_BASE_IMAGE=debian:bookworm-slim


# The venv, made natively for the target (docker/build-venv.sh): the target's wheels from the
# index, and the rest compiled here, cross-compiled when the target is another architecture
# (issue 14: under QEMU the compilers and the compiling took ~60 of a ~65-minute arm64 build).
# Cross: Debian's cross toolchain and the target's -dev packages (multiarch, `:arm64`).
FROM --platform=$BUILDPLATFORM ${BUILD_BASE_IMAGE} AS builder
ARG DEBIAN_FRONTEND=noninteractive
ARG TARGETARCH
ARG BUILDARCH
RUN set -eu; \
    test -n "$TARGETARCH" -a -n "$BUILDARCH" || { echo "TARGETARCH unset: build with BuildKit" >&2; exit 1; }; \
    dev="" cross=""; \
    if [ "$TARGETARCH" != "$BUILDARCH" ]; then \
        dpkg --add-architecture "$TARGETARCH"; \
        dev=":$TARGETARCH"; \
        gnu=aarch64-linux-gnu; [ "$TARGETARCH" = arm64 ] || gnu=x86-64-linux-gnu; \
        cross="gcc-$gnu g++-$gnu libpython3.11-dev$dev"; \
    fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        build-essential pkg-config ca-certificates \
        python3 python3-dev python3-venv \
        libcairo2-dev$dev libpango1.0-dev$dev $cross; \
    rm -rf /var/lib/apt/lists/*

# The dependencies, from the lock only, before any source is copied: editing a scene never
# reinstalls them. pycairo and manimpango are built from source against Debian's cairo and pango.
# pip and the build backends live in /opt/build-tools, so the venv the image ships holds only
# what renders; the dependencies' own test suites (~60 MB) are dropped for the same reason.
# extra_ca: an optional CA bundle for a TLS-inspecting proxy. It is mounted for this RUN only and
# combined with the system bundle on a tmpfs, so it never lands in a layer.
ARG BUILD_TOOLS="setuptools==80.9.0 wheel==0.48.0 Cython==3.3.1 meson-python==0.22.1 meson==1.12.1 ninja==1.13.2"
COPY requirements.lock /tmp/requirements.lock
RUN --mount=type=secret,id=extra_ca \
    --mount=type=tmpfs,target=/run/ca \
    --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=docker/build-venv.sh,target=/tmp/build-venv.sh \
    set -eu; \
    if [ -s /run/secrets/extra_ca ]; then \
        cat /etc/ssl/certs/ca-certificates.crt /run/secrets/extra_ca >/run/ca/bundle.crt; \
        export PIP_CERT=/run/ca/bundle.crt; \
        echo "pip: trusting the extra_ca secret as well as the system CAs"; \
    fi; \
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off; \
    python3 -m venv /opt/build-tools; \
    /opt/build-tools/bin/pip install --quiet $BUILD_TOOLS; \
    LOCK=/tmp/requirements.lock BUILD_TOOLS=/opt/build-tools sh /tmp/build-venv.sh; \
    find /opt/venv/lib -depth -type d -name tests -exec rm -rf {} +; \
    rm /tmp/requirements.lock

# What a Cairo render never loads (the OpenGL renderer, most of SciPy): its own step, so the list
# can change without reinstalling the dependencies.
RUN --mount=type=bind,source=docker/slim-venv.sh,target=/tmp/slim-venv.sh sh /tmp/slim-venv.sh


# manim's default MathTex template is \documentclass[preview]{standalone} with amsmath, amssymb
# and babel. standalone.cls (texlive-latex-extra) needs xkeyval.sty (texlive-latex-recommended):
# installing those packages would add ~190 MB (texlive-pictures, Java, lmodern, tex-gyre...) for
# six files, so take just those directories from the Debian packages (`latex -recorder` lists
# every file the template reads). Architecture-independent files: fetched natively.
FROM --platform=$BUILDPLATFORM ${BUILD_BASE_IMAGE} AS texmf
RUN apt-get update \
    && mkdir -p /tmp/deb /opt/texmf-local/tex/latex /opt/texmf-local/tex/generic \
    && cd /tmp/deb \
    && apt-get download texlive-latex-extra texlive-latex-recommended \
    && dpkg-deb --fsys-tarfile texlive-latex-extra_*.deb \
        | tar -x ./usr/share/texlive/texmf-dist/tex/latex/standalone \
    && dpkg-deb --fsys-tarfile texlive-latex-recommended_*.deb \
        | tar -x ./usr/share/texlive/texmf-dist/tex/latex/xkeyval \
            ./usr/share/texlive/texmf-dist/tex/generic/xkeyval \
    && mv usr/share/texlive/texmf-dist/tex/latex/* /opt/texmf-local/tex/latex/ \
    && mv usr/share/texlive/texmf-dist/tex/generic/* /opt/texmf-local/tex/generic/ \
    && rm -rf /tmp/deb /var/lib/apt/lists/*


FROM builder AS project
COPY pyproject.toml README.md render.py /src/
COPY lowrank_anim /src/lowrank_anim
COPY scenes /src/scenes
# Installed here (natively, a pure-Python wheel) under /opt/project, laid out as the venv would hold
# it, so the runtime copies it in and runs no pip under emulation, and ships none.
RUN /opt/build-tools/bin/pip wheel --quiet --no-deps --no-build-isolation --no-index \
        --wheel-dir /dist /src \
    && /opt/build-tools/bin/pip --python /opt/venv/bin/python install --quiet --no-deps \
        --no-index --no-cache-dir --disable-pip-version-check --root /opt/project /dist/*.whl


FROM ${BASE_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# Runtime libraries of the compiled extensions (pycairo, manimpango), a font for Text, and the
# smallest TeX that compiles manim's MathTex template (latex + amsmath/amssymb/babel from
# latex-base, preview.sty, dvisvgm; standalone and xkeyval from the texmf stage). No compilers,
# no -dev. Size: no docs, man pages or translations (licences kept), and docker/slim-runtime.sh
# removes, in this same layer, what a render never loads (other TeX engines, ICU, Perl's library,
# Ghostscript's fonts, apt's .debs).
# Time (issue 14): TeX Live builds every format it knows when it installs, and under QEMU (linux/arm64
# on x86-64) that took 9.5 of a 30-minute build, mostly LuaTeX's formats, which slim-runtime deletes
# anyway. A higher-priority fmtutil.cnf disables (`#!`) every format but the ones manim's `latex`
# needs (latex) and plain TeX's small ones; slim-runtime removes it again. dpkg's fsyncs are skipped:
# a failed build is thrown away whole.
RUN --mount=type=bind,source=docker/slim-runtime.sh,target=/tmp/slim-runtime.sh \
    printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
        'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' \
        'path-exclude=/usr/share/locale/*' 'force-unsafe-io' >/etc/dpkg/dpkg.cfg.d/lowrank-slim \
    && mkdir -p /etc/texmf/web2c \
    && printf '#! %s\n' 'luatex luatex language.def,language.dat.lua luatex.ini' \
        'luahbtex luahbtex language.def,language.dat.lua luatex.ini' \
        'dviluatex luatex language.def,language.dat.lua dviluatex.ini' \
        'dvilualatex luatex language.dat,language.dat.lua dvilualatex.ini' \
        'lualatex luahbtex language.dat,language.dat.lua lualatex.ini' \
        'pdflatex pdftex language.dat -translate-file=cp227.tcx *pdflatex.ini' \
        'mptopdf pdftex - -translate-file=cp227.tcx mptopdf.tex' >/etc/texmf/web2c/fmtutil.cnf \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 \
        libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libpangoft2-1.0-0 \
        fontconfig fonts-dejavu-core \
        texlive-latex-base preview-latex-style dvisvgm \
    && sh /tmp/slim-runtime.sh
COPY --from=texmf /opt/texmf-local /usr/local/share/texmf
RUN mktexlsr /usr/local/share/texmf >/dev/null && kpsewhich standalone.cls xkeyval.sty

# A fixed, unprivileged owner for the image's own files; `--user $(id -u):$(id -g)` at run time
# replaces it so that rendered files belong to the caller on the host.
RUN groupadd --gid 1000 anim \
    && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin anim \
    && install -d -o 1000 -g 1000 /app /app/media

COPY --from=builder /opt/venv /opt/venv
# Our own code, last: the only layer rebuilt when a scene changes.
COPY --from=project /opt/project/ /
# assets/ (parameter files) is not part of the wheel; lowrank_anim.paths finds it here.
COPY assets /app/assets
ENV LOWRANK_ANIM_ASSETS=/app/assets

# Fail the build if any native binary (every ELF in the venv, and the interpreter) is not of the
# platform being built: an arm64 Python can then never meet an x86_64 pycairo, or the reverse.
ARG TARGETARCH
RUN test -n "$TARGETARCH" || { echo "TARGETARCH unset: build with BuildKit" >&2; exit 1; }; \
    /opt/venv/bin/python -m lowrank_anim.health.archcheck --expect "$TARGETARCH" \
        /opt/venv "$(readlink -f /opt/venv/bin/python)"

# After the slimming, prove a render's pieces are all there: every binary finds its libraries,
# every scene imports, and manim's MathTex compiles (latex -> dvisvgm) in this image.
RUN --mount=type=bind,source=docker/check-image.sh,target=/tmp/check-image.sh sh /tmp/check-image.sh

# Everything manim, TeX and fontconfig write at run time goes to /tmp (a tmpfs under --read-only)
# or to the media mount; HOME=/tmp also serves any --user without a passwd entry.
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    XDG_CONFIG_HOME=/tmp/.config \
    TEXMFVAR=/tmp/texmf-var \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 1000:1000
ENTRYPOINT ["lowrank-anim"]
CMD ["--help"]
