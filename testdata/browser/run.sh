#!/usr/bin/env bash
# Browser end-to-end test of dmirror: builds the binary, installs Debian's
# chromium and Jupyter Notebook if missing and playwright-core from npm, runs
# notebook.test.mjs, and always stops the Jupyter server it started.
# Screenshots and logs: $ARTIFACTS (default: artifacts/ at the repository
# root), screenshots in $ARTIFACTS/screenshots.
# UPDATE_README_SCREENSHOT=1 also copies the README's picture here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
artifacts=${ARTIFACTS:-$repo/artifacts}
mkdir -p "$artifacts/screenshots"

if [ ! -x /usr/bin/chromium ] || ! /usr/bin/python3 -c 'import notebook' 2>/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium jupyter-notebook >/dev/null
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
pidfile="$work/jupyter.pid"
# under_work lists the processes whose command line names a path in $work:
# the server (its notebook dir) and the kernels (their connection files).
under_work() {
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		if tr '\0' '\n' 2>/dev/null <"$p/cmdline" | grep -qF "$work/"; then echo "${p#/proc/}"; fi
	done
}
stop_server() {
	# The test stops the server and kernels itself; this covers a test that died.
	if [ -s "$pidfile" ]; then
		pid=$(cat "$pidfile")
		if kill -0 "$pid" 2>/dev/null && grep -q notebook "/proc/$pid/cmdline" 2>/dev/null; then
			kill -TERM -- "-$pid" 2>/dev/null || true
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL -- "-$pid" 2>/dev/null || true
		fi
	fi
	for p in $(under_work); do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap stop_server EXIT

go build -o "$work/dmirror" "$repo"
DMIRROR_BIN="$work/dmirror" ARTIFACTS="$artifacts" PID_FILE="$pidfile" TEST_TMPDIR="$work" node "$here/notebook.test.mjs"
if [ "${UPDATE_README_SCREENSHOT:-}" = 1 ]; then
	cp "$artifacts/screenshots/readme-notebook.png" "$here/screenshot-notebook.png"
fi
