#!/bin/sh
# bench/chain-latency.sh [--engine] [RUNS]: how long composed takes from a signal to the exec of
# the first compose step of the chain it triggers (the chain's step_start event).
#
#   default   a stub `docker` first in PATH answers every compose command at once, so only
#             composed is measured (no engine needed);
#   --engine  the real engine and compose v2 with the test fixture project (a no-op `up`).
#
# Each run types "[SIGNAL: BENCH]" on composed's stdin (--headless) and waits for the chain to
# end. Printed: median / p90 / max of (a) the time from writing the line to step_start, and
# (b) signal_in -> step_start inside composed (both from the log's millisecond timestamps).
# Environment: COMPOSED (binary; default ./composed), top_srcdir (default: this script's ..).
set -u
MODE=stub
if [ "${1:-}" = --engine ]; then
	MODE=engine
	shift
fi
RUNS=${1:-30}
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${COMPOSED:=./composed}"
command -v jq >/dev/null 2>&1 || { echo "bench: jq is needed" >&2; exit 77; }
[ -x "$COMPOSED" ] || { echo "bench: no composed at $COMPOSED" >&2; exit 1; }
COMPOSED=$(cd "$(dirname "$COMPOSED")" && pwd)/$(basename "$COMPOSED")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/composed-bench.XXXXXX") || exit 1
PID=""
PROJECT=cb-latency-$$

cleanup() {
	[ -z "$PID" ] || kill "$PID" 2>/dev/null
	if [ "$MODE" = engine ]; then
		(cd "$TMP/project" && timeout 60 docker compose -p "$PROJECT" down -v --rmi local -t 1 \
			</dev/null >/dev/null 2>&1)
	fi
	[ -n "${BENCH_KEEP:-}" ] && echo "kept $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$TMP/project" "$TMP/bin"
if [ "$MODE" = stub ]; then
	cat >"$TMP/bin/docker" <<'STUB'
#!/bin/sh
# stub docker: instant answers for composed's detection and steps
case " $* " in
*" version "*) echo 2.26.1 ;;
*" config "*) echo '{"name":"bench","services":{"api":{"image":"bench-api"}}}' ;;
esac
exit 0
STUB
	chmod 755 "$TMP/bin/docker"
	PATH=$TMP/bin:$PATH
	export PATH
	printf 'services:\n  api:\n    image: bench-api\n' >"$TMP/project/compose.yaml"
else
	: "${DOCKER_HOST:=unix:///run/composed-engine/docker.sock}"
	export DOCKER_HOST
	cp -R "$top_srcdir/tests/fixtures/project/." "$TMP/project/"
	(cd "$TMP/project" && timeout 300 docker compose -p "$PROJECT" up -d --wait \
		</dev/null >/dev/null 2>&1) || { echo "bench: fixture project did not come up" >&2; exit 1; }
fi
cat >"$TMP/bench.yml" <<EOF
compose:
  flavor: v2
  project: $( [ "$MODE" = engine ] && echo "$PROJECT" || echo bench )
health:
  auto_restart: false
  watch_files: false
triggers:
  - on: BENCH
    chain: bench
chains:
  bench:
    steps:
      - up
EOF

mkfifo "$TMP/stdin"
(cd "$TMP/project" && exec "$COMPOSED" --headless -c "$TMP/bench.yml" --log "$TMP/log" \
	<"$TMP/stdin" >/dev/null 2>"$TMP/err") &
PID=$!
exec 9>"$TMP/stdin"

# Wait (bounded, ~0.02 s steps) until the log has N lines matching the jq filter F.
wait_count() {
	_i=0
	while [ "$(jq -c "select($2)" "$TMP/log" 2>/dev/null | wc -l)" -lt "$1" ]; do
		_i=$((_i + 1))
		[ "$_i" -lt 3000 ] || { echo "bench: timed out waiting for $2" >&2; exit 1; }
		sleep 0.02
	done
}

wait_count 1 '.event == "compose"'
i=0
: >"$TMP/sent"
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	date +%s%3N >>"$TMP/sent"
	printf '[SIGNAL: BENCH]\n' >&9
	wait_count "$i" '.event == "chain_end"'
done

# RFC 3339 ms timestamps to epoch milliseconds.
jq -r 'select(.event == "step_start" or .event == "signal_in") |
	"\(.event) \(.ts | (sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000 +
	(capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber))"' "$TMP/log" >"$TMP/times"
awk -v sentfile="$TMP/sent" '
	BEGIN { n = 0; while ((getline line < sentfile) > 0) sent[++n] = line }
	$1 == "signal_in" { si[++a] = $2 }
	$1 == "step_start" { ss[++b] = $2 }
	function stats(arr, k,    i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
			if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
		return sprintf("median %d ms, p90 %d ms, max %d ms", arr[int((k + 1) / 2)],
			arr[int(k * 0.9 + 0.5) > 0 ? int(k * 0.9 + 0.5) : 1], arr[k])
	}
	END {
		for (i = 1; i <= b; i++) { e2e[i] = ss[i] - sent[i]; inner[i] = ss[i] - si[i] }
		printf "runs: %d (%s)\n", b, mode
		printf "signal written -> step_start: %s\n", stats(e2e, b)
		printf "signal_in -> step_start:      %s\n", stats(inner, b)
	}' mode="$MODE" "$TMP/times"
