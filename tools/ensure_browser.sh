#!/usr/bin/env bash
# The browser the review page's tests drive: Debian's chromium (Playwright from PyPI drives it; no browser is
# downloaded by a test tool). Present: prints nothing. Missing, as root with apt-get (Debian 12, CI): installs
# it, one line saying so (a fresh machine downloads about 120 MB). Otherwise prints one line naming what to
# install and exits 0 (the browser tests are then skipped) — or 1 with EXHIBIT_REQUIRE_BROWSER=1.
set -uo pipefail

PACKAGES=(chromium)

have() { command -v "$1" >/dev/null 2>&1; }
found() { have chromium || have chromium-browser || have google-chrome; }

found && exit 0

if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "browser-tools: installing ${PACKAGES[*]} with apt-get (for the review page's tests; about 120 MB to download)"
    log="$(mktemp -t exhibit-browser.XXXXXX)"
    if { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "${PACKAGES[@]}"; } >"$log" 2>&1; then
        rm -f "$log"
    else
        echo "browser-tools: apt-get failed: $(grep -E '^(E|W):' "$log" | tail -n 1 || true) (full log: $log)" >&2
    fi
    hash -r
    found && exit 0
fi

if [ "${EXHIBIT_REQUIRE_BROWSER:-}" = 1 ]; then outcome="which EXHIBIT_REQUIRE_BROWSER=1 requires"; else
    outcome="so the review page's browser tests will be skipped"; fi
echo "browser-tools: no chromium, $outcome; install it with \`apt-get install --no-install-recommends chromium\`" \
     "as root on Debian/Ubuntu, or Chromium/Chrome from your package manager" >&2
[ "${EXHIBIT_REQUIRE_BROWSER:-}" = 1 ] && exit 1
exit 0
