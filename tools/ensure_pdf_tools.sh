#!/usr/bin/env bash
# The tools the PDF checks need: LibreOffice (soffice) to turn the exhibit into a PDF, poppler-utils (pdftotext,
# pdfinfo, pdffonts, pdftoppm) to read and render it, the CJK faces the exhibit's template names (Noto Serif CJK
# SC for the body, Noto Sans CJK SC for headings and the timeline figure: Debian's fonts-noto-cjk), and
# Liberation Serif (Times New Roman's letter widths) so that the pages break where Word breaks them.
# All present: prints nothing. Missing, as root with apt-get (Debian 12, CI): installs the Debian packages, one
# line saying so (a fresh machine downloads about 143 MB, of which fonts-noto-cjk is 56.5 MB — measured with
# `apt-get download`, 89 MB installed). Otherwise prints one line naming what
# is missing and how to install it, and exits 0 (the PDF tests are then skipped) — or 1 with EXHIBIT_REQUIRE_PDF=1.
set -uo pipefail

PACKAGES=(libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-liberation2)
MAC_SOFFICE=/Applications/LibreOffice.app/Contents/MacOS/soffice

source "$(dirname "$0")/debian.sh"

missing() {
    local gone=()
    have soffice || have libreoffice || [ -x "$MAC_SOFFICE" ] || gone+=("LibreOffice (soffice)")
    local tool
    for tool in pdftotext pdfinfo pdffonts pdftoppm; do
        have "$tool" || { gone+=("poppler-utils ($tool)"); break; }
    done
    # the serif CJK face the template names for the body (and its sans sister for headings)
    { have fc-list && fc-list : family 2>/dev/null | grep -q "Noto Serif CJK SC"; } \
        || gone+=("the Noto Serif CJK font (fonts-noto-cjk)")
    # Times New Roman, or Liberation Serif with the same letter widths, so the PDF lays out as Word does
    { have fc-list && fc-list : family 2>/dev/null | grep -qE "Times New Roman|Liberation Serif"; } \
        || gone+=("a Times New Roman compatible font")
    local IFS=,
    echo "${gone[*]}"
}

gone="$(missing)"
[ -z "$gone" ] && exit 0

if can_apt; then
    echo "pdf-tools: installing ${PACKAGES[*]} with apt-get (missing: ${gone//,/, }; about 143 MB to download)"
    apt_install pdf-tools "${PACKAGES[@]}"
    gone="$(missing)"
    [ -z "$gone" ] && exit 0
fi

if [ "${EXHIBIT_REQUIRE_PDF:-}" = 1 ]; then outcome="which EXHIBIT_REQUIRE_PDF=1 requires"; else
    outcome="so the PDF checks will be skipped"; fi
echo "pdf-tools: missing ${gone//,/, }, $outcome; install them with" \
     "\`apt-get install --no-install-recommends ${PACKAGES[*]}\` as root on Debian/Ubuntu, or LibreOffice" \
     "from libreoffice.org, poppler and a Chinese font from your package manager (macOS: brew install poppler)" >&2
[ "${EXHIBIT_REQUIRE_PDF:-}" = 1 ] && exit 1
exit 0
