#!/usr/bin/env bash
# What the tests need beyond Python packages: Debian's chromium (browser tests; Playwright drives
# it with executable_path=/usr/bin/chromium, never a downloaded browser) and CJK fonts (Chinese in
# screenshots). Installed with apt-get when running as root; otherwise the browser tests say they
# were skipped and why. Then the Python test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and fonts-noto-cjk (apt-get)…"
    apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }
  else
    echo "chromium or fonts-noto-cjk missing and not root: browser tests will be skipped" >&2
  fi
fi
pip install -q -e '.[test]'
