#!/usr/bin/env bash
# Makes sure a system Chromium is there for the browser tests (Playwright's own browser
# download is not used). Installs Debian's `chromium` package when missing and allowed.
set -euo pipefail
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      echo "Chromium is missing and this user cannot install packages." >&2
      echo "Install it once with: sudo apt-get install -y chromium" >&2
      exit 1
    fi
  fi
  echo "Installing Chromium (Debian package 'chromium') for the browser tests..." >&2
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
  exit 0
fi
echo "Chromium is missing and there is no apt-get here. Install Chromium and put it on PATH" >&2
echo "(or set EPMO_CHROMIUM=/path/to/chromium), then run make test again." >&2
exit 1
