#!/bin/sh
# Make sure npm is present: the book's build fetches the ipywidgets manager
# (@jupyter-widgets/html-manager, pinned and integrity-checked in _ext/local_widgets.py)
# from the npm registry once, into _build/.npm_packages. Installs the Debian 'npm' package
# with apt-get only when npm is missing and we are root; otherwise says what to install
# and exits non-zero. Called by the Makefile (make html, make book).
set -eu

if command -v npm >/dev/null 2>&1; then
    echo "install_npm: npm $(npm --version 2>/dev/null || echo '(version unknown)') is present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install_npm: npm missing; installing the Debian 'npm' package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends npm
    if command -v npm >/dev/null 2>&1; then
        exit 0
    fi
    echo "install_npm: apt-get finished but npm is still missing" >&2
    exit 1
fi

cat >&2 <<MSG
install_npm: npm is missing and cannot be installed automatically (not root, or no
apt-get). The book's build fetches the ipywidgets manager with it, once:
    Debian/Ubuntu:  sudo apt-get install npm      (or any Node.js with npm)
MSG
exit 1
