#!/usr/bin/env bash
# Installs what the platform (and, with --test, its tests) needs on a fresh
# Debian 12 machine: Debian's rabbitmq-server and a CJK TrueType font, a .venv
# with the pinned Python dependencies; for tests also poppler-utils (pdftotext,
# pdftoppm) and Debian's chromium with its driver. Idempotent: a second run only checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=(rabbitmq-server fonts-wqy-zenhei)
[ "${1:-}" = "--test" ] && packages+=(poppler-utils chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  # The package may start a system node; ours runs privately, so stop that one.
  $sudo_cmd service rabbitmq-server stop >/dev/null 2>&1 || true
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Python dependencies into .venv"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "is ignored: it is neither" || true
  .venv/bin/python -c "import nameko, pymongo, falcon, secantus, chinese_calendar, jinja2, reportlab, openpyxl"
  echo "$want" > "$stamp"
fi
