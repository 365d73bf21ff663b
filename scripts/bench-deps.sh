#!/bin/sh
# What `make bench` needs beyond `make test`'s: wrk (the load generator for the served rows)
# and hugo (the peer build), from Debian's packages, and Pagefind (the peer's search index),
# pinned in scripts/peers/package.json. Installs what is missing where it may (root on a
# system with apt-get); anywhere else it says what to run. Without wrk the benchmark falls
# back to its Python client, and without hugo or Pagefind it leaves the peer row out: both
# are named in docs/performance.md.
set -eu

packages=""
command -v wrk >/dev/null 2>&1 || packages="$packages wrk"
command -v hugo >/dev/null 2>&1 || packages="$packages hugo"
packages=${packages# }

if [ -n "$packages" ]; then
  install="apt-get install -y --no-install-recommends $packages"
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "make bench needs $packages: installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # Word splitting is wanted here: one argument per package.
    apt-get install -y --no-install-recommends $packages
  elif command -v apt-get >/dev/null 2>&1; then
    echo "make bench needs $packages. Install with: sudo apt-get update && sudo $install" >&2
    echo "(the benchmark runs without them, with a Python client and no peer row)" >&2
  else
    echo "make bench needs $packages from your system's packages; it runs without them, with a Python client and no peer row." >&2
  fi
fi

# Pagefind's binary comes inside its npm package (one per platform): no install script runs.
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix scripts/peers --no-audit --no-fund --ignore-scripts --silent
else
  echo "npm is missing (see 'make deps'): the benchmark leaves out the Hugo + Pagefind row." >&2
fi
