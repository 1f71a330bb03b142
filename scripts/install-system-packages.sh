#!/bin/sh
# Install the Debian packages the tests need beyond Python: headless Chromium and its
# WebDriver (the inspector page's browser test drives them). Idempotent: does nothing
# when they are already installed; runs apt-get update only when something is missing.
set -eu

PACKAGES="chromium chromium-driver"

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: nothing to install here, but the browser tests still need both programs.
    if { command -v chromium || command -v chromium-browser; } >/dev/null 2>&1 &&
        command -v chromedriver >/dev/null 2>&1; then
        exit 0
    fi
    echo "install-system-packages: no dpkg/apt here; install Chromium and its chromedriver" \
        "so that chromium and chromedriver are on PATH" >&2
    exit 1
fi

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-packages: apt-get not found; install these packages yourself:$missing" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-system-packages: not root and no sudo; install as root:$missing" >&2
    exit 1
fi

echo "install-system-packages: installing$missing"
# apt-get's chatter is kept and shown only if it fails.
output=$(mktemp)
trap 'rm -f "$output"' EXIT
# $SUDO and $missing are meant to split into words.
# shellcheck disable=SC2086
if ! { $SUDO apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $missing; } >"$output" 2>&1; then
    cat "$output" >&2
    echo "install-system-packages: failed to install$missing" >&2
    exit 1
fi
