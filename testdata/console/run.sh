#!/usr/bin/env bash
# Console test of dmirror: `jupyter console --kernel dmirror` driven under
# tmux by console_test.py. Builds dmirror, installs Debian's jupyter-console
# and tmux if missing. Exits non-zero on failure, printing the pane.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if ! command -v tmux >/dev/null || [ ! -x /usr/bin/jupyter-console ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux jupyter-console >/dev/null
fi
work=$(mktemp -d)
export TMUX_SOCKET="dmirror-console-$$"
# The test stops its tmux server itself; this covers a test that died.
trap 'tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/dmirror" "$repo"
DMIRROR_BIN="$work/dmirror" KERNEL=dmirror /usr/bin/python3 "$here/console_test.py"
