#!/bin/sh
# Runs the jupyter_kernel_test 0.4.5 suite (test_dmirror.py) against dmirror:
# builds the binary, installs the kernelspec into a temporary Jupyter path
# and runs the suite with the system Python, under an outer timeout because
# some checks of the suite wait for replies without one.
#
# usage: testdata/jkt/run.sh [unittest arguments, e.g. -k test_history]
# env:   JKT_TIMEOUT (seconds, default 300)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

(cd "$root" && go build -o "$tmp/bin/dmirror" .)
"$tmp/bin/dmirror" install --prefix "$tmp/prefix"

# Only the temporary kernelspec is visible; nothing of the user's Jupyter
# set-up is read or written.
export JUPYTER_PATH="$tmp/prefix/share/jupyter"
export JUPYTER_DATA_DIR="$tmp/data"
export JUPYTER_RUNTIME_DIR="$tmp/runtime"
export JUPYTER_CONFIG_DIR="$tmp/config"
export IPYTHONDIR="$tmp/ipython"

cd "$root/testdata/jkt"
timeout --kill-after=10 "${JKT_TIMEOUT:-300}" /usr/bin/python3 -m unittest -v test_dmirror "$@"
