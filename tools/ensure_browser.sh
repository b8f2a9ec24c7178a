#!/usr/bin/env bash
# The browser the review page's tests drive: Debian's chromium (Playwright from PyPI drives it; no browser is
# downloaded by a test tool). Present: prints nothing. Missing, as root with apt-get (Debian 12, CI): installs
# it, one line saying so (a fresh machine downloads about 120 MB). Otherwise prints one line naming what to
# install and exits 0 (the browser tests are then skipped) — or 1 with EXHIBIT_REQUIRE_BROWSER=1.
set -uo pipefail

PACKAGES=(chromium)

source "$(dirname "$0")/debian.sh"
found() { have chromium || have chromium-browser || have google-chrome; }

found && exit 0

if can_apt; then
    echo "browser-tools: installing ${PACKAGES[*]} with apt-get (for the review page's tests; about 120 MB to download)"
    apt_install browser-tools "${PACKAGES[@]}"
    found && exit 0
fi

if [ "${EXHIBIT_REQUIRE_BROWSER:-}" = 1 ]; then outcome="which EXHIBIT_REQUIRE_BROWSER=1 requires"; else
    outcome="so the review page's browser tests will be skipped"; fi
echo "browser-tools: no chromium, $outcome; install it with \`apt-get install --no-install-recommends chromium\`" \
     "as root on Debian/Ubuntu, or Chromium/Chrome from your package manager" >&2
[ "${EXHIBIT_REQUIRE_BROWSER:-}" = 1 ] && exit 1
exit 0
