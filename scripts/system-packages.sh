#!/usr/bin/env bash
# Installs the Debian packages listed in $1 (one per line, '#' comments) that are not installed yet.
# The tests drive these for real (a headless browser, gettext's msgfmt); a missing one fails them.
set -euo pipefail
list="${1:-system-packages.txt}"
wanted=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' || true)
[ -n "$wanted" ] || exit 0
missing=()
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "replykit: error: the tests need these system packages: ${missing[*]}; install them with your package manager" >&2
  exit 2
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "replykit: error: installing ${missing[*]} needs root: run sudo apt-get install ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
echo "installing system packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
