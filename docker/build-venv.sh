#!/bin/sh
# Make /opt/venv for the TARGET platform while running on the BUILD platform (the Dockerfile's
# builder stage runs natively: `FROM --platform=$BUILDPLATFORM`). No compiler runs under emulation.
#
# Why (issue 14): under QEMU an arm64 build spent ~35 of its ~65 minutes in pip, compiling
# pycairo, manimpango, moderngl and glcontext, and ~27 more installing the compilers. Here:
#   1. every requirement of the lock that has a wheel for the target on the index is downloaded
#      as that wheel (`pip download --platform ... --only-binary=:all:`), natively;
#   2. the rest, and pycairo and manimpango always (built against Debian's cairo and pango, as
#      before), are built from source here: natively when the platforms match, else CROSS-compiled
#      with Debian's cross toolchain against the target's multiarch -dev packages (the Dockerfile
#      installs them) and the target's own sysconfig data. Both platforms run Debian bookworm's
#      Python 3.11, which is what makes the target's headers, sysconfig and ABI tags the right ones;
#   3. the wheels are unpacked into /opt/venv with `pip install --target --platform`, so nothing of
#      the build platform's lands in it: the venv's python is a symlink to /usr/bin/python3, the
#      target's own interpreter once the venv is copied into the runtime image.
# The runtime stage's architecture check (every ELF must be the target's) proves the result.
#
# Env: TARGETARCH, BUILDARCH (BuildKit's), LOCK (requirements file), BUILD_TOOLS (a venv with pip,
# setuptools, wheel, Cython, meson-python, meson, ninja: the from-source builds' backends).
set -eu
: "${TARGETARCH:?build with BuildKit}" "${BUILDARCH:?build with BuildKit}" "${LOCK:?}" "${BUILD_TOOLS:?}"
pip="$BUILD_TOOLS/bin/pip"
# The build backends' own programs (meson, ninja, cython).
export PATH="$BUILD_TOOLS/bin:$PATH"
# The target's GNU triplet (aarch64-linux-gnu) and CPU, as Debian names them.
triplet="$(dpkg-architecture -a "$TARGETARCH" -qDEB_HOST_MULTIARCH 2>/dev/null)"
cpu="${triplet%%-*}"
# Always from source: built against Debian's cairo and pango, like the runtime's libraries.
always_source="pycairo manimpango"

wheels=/tmp/wheels
mkdir -p "$wheels"
# Bookworm's glibc is 2.36: every manylinux tag up to it (pip does not expand one into the older
# ones for --platform), then linux_CPU for the wheels built here.
platforms="linux_$cpu manylinux2014_$cpu"
v=17
while [ "$v" -le 36 ]; do
    platforms="$platforms manylinux_2_${v}_$cpu"
    v=$((v + 1))
done
target_tags=""
for p in $platforms; do target_tags="$target_tags --platform $p"; done
target_tags="$target_tags --implementation cp --python-version 3.11 --abi cp311 --only-binary=:all:"

requirements="$(sed -e 's/[[:space:]]*#.*//' -e '/^[[:space:]]*$/d' "$LOCK")"

# 1. The target's wheels. One pip call for all (pip stops at the first requirement without a
#    wheel for the target: that one joins the source builds and the call is repeated; what was
#    already downloaded stays), not one per requirement (pip's start-up is seconds on a busy machine).
echo "$requirements" | while read -r req; do
    name="${req%%[=<>!~ ;]*}"
    case " $always_source " in *" $name "*) ;; *) echo "$req" ;; esac
done >/tmp/binary.txt
sources=""
for name in $always_source; do
    sources="$sources $(echo "$requirements" | grep -i -E "^$name[=<>!~ ;]")"
done
# shellcheck disable=SC2086  # $target_tags is a list of options
while ! "$pip" download --quiet --no-deps $target_tags --dest "$wheels" -r /tmp/binary.txt \
    >/tmp/download.log 2>&1; do
    missing="$(sed -n 's/^ERROR: No matching distribution found for //p' /tmp/download.log)"
    [ -n "$missing" ] && grep -q -x -F "$missing" /tmp/binary.txt \
        || { cat /tmp/download.log >&2; exit 1; }
    sources="$sources $missing"
    grep -v -x -F "$missing" /tmp/binary.txt >/tmp/binary.next || true
    mv /tmp/binary.next /tmp/binary.txt
done
rm -f /tmp/binary.txt /tmp/download.log
echo "build-venv: $(ls "$wheels" | wc -l) wheels for linux/$TARGETARCH from the index;" \
    "building from source on linux/$BUILDARCH:" $sources

# 2. The rest, from source, without build isolation: an isolated build would ask pip for its
#    backends, and under the cross environment below pip would pick the TARGET's wheels of them.
if [ "$TARGETARCH" != "$BUILDARCH" ]; then
    cat >/tmp/cross.ini <<EOF
[binaries]
c = '$triplet-gcc'
cpp = '$triplet-g++'
ar = '$triplet-ar'
strip = '$triplet-strip'
pkg-config = 'pkg-config'

[properties]
pkg_config_libdir = ['/usr/lib/$triplet/pkgconfig', '/usr/share/pkgconfig']

[host_machine]
system = 'linux'
cpu_family = '$cpu'
cpu = '$cpu'
endian = 'little'
EOF
    # setuptools (manimpango, moderngl, glcontext) reads the compilers and linkers from these;
    # sysconfig, and so the extension suffix and the wheel's platform tag, from the last two.
    export CC="$triplet-gcc" CXX="$triplet-g++" AR="$triplet-ar" \
        LDSHARED="$triplet-gcc -shared" LDCXXSHARED="$triplet-g++ -shared" \
        PKG_CONFIG_LIBDIR="/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig" PKG_CONFIG_PATH= \
        _PYTHON_HOST_PLATFORM="linux-$cpu" _PYTHON_SYSCONFIGDATA_NAME="_sysconfigdata__$triplet"
    set -- --config-settings=setup-args=--cross-file=/tmp/cross.ini
else
    set --
fi
# shellcheck disable=SC2086  # one word per requirement
"$pip" wheel --quiet --no-deps --no-build-isolation --no-binary :all: --wheel-dir "$wheels" \
    "$@" $sources
unset CC CXX AR LDSHARED LDCXXSHARED PKG_CONFIG_LIBDIR PKG_CONFIG_PATH _PYTHON_HOST_PLATFORM \
    _PYTHON_SYSCONFIGDATA_NAME

# 3. Unpack them into the venv. --python: pip runs with the venv's interpreter, so the scripts'
#    first line is #!/opt/venv/bin/python.
python3 -m venv --without-pip /opt/venv
site="$(echo /opt/venv/lib/python3*/site-packages)"
# shellcheck disable=SC2086
"$pip" --python /opt/venv/bin/python install --quiet --no-deps --no-index --find-links "$wheels" \
    $target_tags --target "$site" -r "$LOCK"
mv "$site"/bin/* /opt/venv/bin/
rmdir "$site/bin"
rm -rf "$wheels"
