#!/bin/sh
# What `make test` needs beyond Python: chromium (the browser tests), Java (the Nu Html
# Checker), npm (the pinned test packages) and nginx (the deployment test runs the shipped
# configuration with Debian's nginx). Installs whichever is missing where it may
# (root on a system with apt-get); anywhere else it stops and says what to run.
set -eu

programs=""
packages=""
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    programs="$programs $1"
    packages="$packages $2"
  fi
}
# DejaVu goes with chromium so screenshots have a font even on a machine that has none.
need chromium "chromium fonts-dejavu-core"
need java default-jre-headless
need npm npm
need nginx nginx

if [ -z "$programs" ]; then
  exit 0
fi
programs=${programs# }
packages=${packages# }
install="apt-get install -y --no-install-recommends $packages"

if ! command -v apt-get >/dev/null 2>&1; then
  echo "make test needs $programs, which this machine lacks." >&2
  echo "Install them (chromium, Java 17 or newer, npm, nginx) with your system's packages, then run make test again." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "make test needs $programs, which this machine lacks. Install them with:" >&2
  echo "  sudo apt-get update && sudo $install" >&2
  exit 1
fi

echo "make test needs $programs: installing $packages with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# Word splitting is wanted here: one argument per package.
apt-get install -y --no-install-recommends $packages

for program in $programs; do
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "apt-get finished, but $program is still not on PATH: install it by hand, then run make test again." >&2
    exit 1
  fi
done
