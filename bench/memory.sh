#!/bin/sh
# memory.sh: composed's resident memory (VmRSS, and the peak VmHWM) at start, with the
# example project's five services up and watched, and after N signals.
#
#   COMPOSED=build/composed sh bench/memory.sh [N]      (DOCKER_HOST as scripts/engine prints)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
composed=${COMPOSED:-$here/build/composed}
n=${1:-1000}
project=bench-mem-$$
tmp=$(mktemp -d)
dc() { docker compose -p "$project" --project-directory "$here/examples" \
	-f "$here/examples/compose.yaml" "$@"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	exec 3>&- 2>/dev/null || true
	dc down -v --remove-orphans >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# Print "rss hwm" in KiB for a pid.
mem() { awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {print r, h}' "/proc/$1/status"; }
# Wait (bounded) until the log has at least $1 lines matching $2.
wait_log() {
	i=0
	while [ "$(grep -c "$2" "$tmp/log" 2>/dev/null || true)" -lt "$1" ]; do
		i=$((i + 1)); [ $i -lt 1200 ] || { echo "timeout waiting for $2" >&2; exit 1; }
		sleep 0.05
	done
}

dc up -d --wait >/dev/null 2>&1 || dc up -d >/dev/null
mkfifo "$tmp/in"
printf 'agent:\n  send_delay: 0ms\n  queue_max: 100000\n' > "$tmp/c.yml"
"$composed" --headless -c "$tmp/c.yml" -p "$project" -C "$here/examples" \
	-f "$here/examples/compose.yaml" -L "bench-mem-none-$$" --log "$tmp/log" \
	< "$tmp/in" > /dev/null 2>&1 &
pid=$!
exec 3> "$tmp/in"
wait_log 5 '"event":"health"'
sleep 1
set -- $(mem "$pid")
echo "start, 5 services watched: rss ${1} KiB, peak ${2} KiB"
i=0
while [ $i -lt "$n" ]; do
	echo "[SIGNAL: DOCKER_STATUS]" >&3
	i=$((i + 1))
done
wait_log "$n" '"event":"signal_in"'
set -- $(mem "$pid")
echo "after $n DOCKER_STATUS signals, replies held for the absent bus: rss ${1} KiB, peak ${2} KiB"
