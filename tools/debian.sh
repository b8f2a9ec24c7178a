# Sourced by tools/ensure_pdf_tools.sh and tools/ensure_browser.sh: the one way `make` installs Debian packages.

have() { command -v "$1" >/dev/null 2>&1; }

# can_apt: root with apt-get (Debian/Ubuntu, CI), where apt_install may run
can_apt() { [ "$(id -u)" = 0 ] && have apt-get; }

# apt_install TAG PACKAGE…: apt-get update and install without recommends, quietly; on failure one line on stderr
# naming apt-get's last error and where its full log is. The caller checks again what it needed.
apt_install() {
    local tag="$1" log
    shift
    log="$(mktemp -t "exhibit-$tag.XXXXXX")"
    if { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "$@"; } >"$log" 2>&1; then
        rm -f "$log"
    else
        echo "$tag: apt-get failed: $(grep -E '^(E|W):' "$log" | tail -n 1 || true) (full log: $log)" >&2
    fi
    hash -r
}
