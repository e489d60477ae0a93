#!/bin/sh
# Make sure the system Chromium used by tools/check_book.py is present.
# Installs the Debian package with apt-get only when /usr/bin/chromium is missing and we are
# root; otherwise says what to install and exits non-zero. Called by the Makefile.
set -eu

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
    echo "install_chromium: $CHROMIUM is present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: $CHROMIUM missing; installing the Debian 'chromium' package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
    if [ -x "$CHROMIUM" ]; then
        exit 0
    fi
    echo "install_chromium: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi

cat >&2 <<MSG
install_chromium: $CHROMIUM is missing and cannot be installed automatically
(not root, or no apt-get). The browser check of the book needs the system Chromium:
    Debian/Ubuntu:  sudo apt-get install chromium
    (any Chromium works: run  tools/check_book.py _build/html --browser /path/to/chromium)
MSG
exit 1
