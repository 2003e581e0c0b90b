#!/bin/sh
# Drop from the runtime's Debian packages what a Cairo render (latex -> dvisvgm -> cairo) never
# loads. Run in the same RUN as the apt-get install, or the bytes would stay in that layer.
#
# Why each item goes (issue 14; measured with `docker history`, dpkg sizes and `latex -recorder`):
#   * apt's downloaded .debs (103 MB): the debootstrap-seeded base has no docker-clean hook;
#   * TeX engines other than pdfTeX (LuaTeX, LuaJITTeX, XeTeX, pTeX/upTeX, MetaPost, xdvi...) and
#     ICU (36 MB), which only XeTeX, bibtexu and upmendex link: manim runs `latex` (pdfTeX, DVI);
#   * Perl's library (47 MB, libperl5.36 + perl-modules): TeX Live's install-time scripts
#     (updmap, fmtutil) use it; /usr/bin/perl itself (perl-base) stays;
#   * Ghostscript's URW fonts and poppler-data's CMaps (29 MB): dvisvgm links libgs, which needs
#     them only for PostScript specials and PDF input; manim's DVI has neither, and Text uses
#     DejaVu (fontconfig's sans-serif here);
#   * Latin Modern's outline fonts (fonts-lmodern, 11 MB, a dependency of texlive-latex-base):
#     the template uses Computer Modern and the AMS fonts;
#   * TeX sources (.dtx) and texdoc's files.
# docker/check-image.sh then fails the build if any remaining binary misses a library.
set -eu
lib="/usr/lib/$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH"))')"
[ -d "$lib" ] || { echo "slim-runtime: no $lib" >&2; exit 1; }
before="$(du -sxm / 2>/dev/null | cut -f1)"

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old
# The Dockerfile's fmtutil.cnf that kept fmtutil from building LuaTeX's formats: its work is done.
rm -f /etc/texmf/web2c/fmtutil.cnf

cd /usr/bin
rm -f luatex luahbtex luajittex luajithbtex mflua mflua-nowin mfluajit mfluajit-nowin \
    texlua texluac texluajit texluajitc xetex xdvipdfmx xdvi-xaw xdvi.bin xdvi gregorio pmxab \
    aleph euptex eptex uptex ptex upmpost pmpost mpost r-mpost r-upmpost r-pmpost dvipdfmx \
    bibtexu upmendex pbibtex upbibtex makejvf ppltotf uppltotf ptftopl uptftopl
# Commands that were links to the engines just removed (lualatex, xelatex, ...).
find /usr/bin -xtype l -delete
rm -rf /var/lib/texmf/web2c/luatex /var/lib/texmf/web2c/luahbtex /var/lib/texmf/web2c/luajittex \
    /var/lib/texmf/web2c/luajithbtex /var/lib/texmf/web2c/xetex /var/lib/texmf/web2c/mpost \
    /var/lib/texmf/web2c/euptex /var/lib/texmf/web2c/eptex
rm -f "$lib"/libicu* "$lib"/libharfbuzz-icu.so* "$lib"/libtexluajit.so* "$lib"/libtexlua53.so* \
    "$lib"/libTECkit*.so*
rm -rf "$lib"/perl/5.* "$lib"/perl/cross-config-* "$lib"/perl/debian-config-data-* \
    "$lib"/libperl.so.5* /usr/share/perl/5.* /usr/bin/perl5.*-*-linux-gnu
rm -rf /usr/share/fonts/type1/urw-base35 /usr/share/fonts/opentype/urw-base35 \
    /usr/share/fonts/cmap /usr/share/fonts/cMap /usr/share/poppler
dpkg -L fonts-lmodern | grep -E '\.(otf|pfb|afm)$' | xargs rm -f
rm -rf /usr/share/texlive/texmf-dist/source /usr/share/texlive/texmf-dist/doc \
    /usr/share/texlive/texmf-dist/texdoc /usr/share/texlive/texmf-dist/texdoctk
# The font and TeX file databases must not name what is gone.
fc-cache -f >/dev/null
mktexlsr >/dev/null 2>&1

echo "slim-runtime: root filesystem ${before} MB -> $(du -sxm / 2>/dev/null | cut -f1) MB"
