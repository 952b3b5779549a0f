#!/bin/sh
# bench/health-latency.sh: time from Docker's `health_status: unhealthy` event to composed's
# HEALTH_FAIL line typed into the bus (signal_out), over ROUNDS faults (default 10); and, for
# comparison, what one `docker compose ps --format json` poll costs.
#   COMPOSED=build/composed top_srcdir=. top_builddir=build sh bench/health-latency.sh [ROUNDS]
# Needs a Docker engine (DOCKER_HOST), compose v2, tmux and jq. Uses the test helpers.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux
t_engine_require
t_flavor_require v2
ROUNDS=${1:-10}

h_project bench-latency
t_compose v2 up -d api >/dev/null 2>&1 || t_fail "compose up failed"
h_wait_state 30 api healthy
# Reports only: no restarts in the way.
H_GRACE=1h
h_start v2
h_wait_health 20 api health '"healthy"'

# Docker's own view of the health events, with its timestamps (ns).
docker events --format '{{.TimeNano}} {{.Action}}' --filter "label=com.docker.compose.project=$T_PROJECT" \
	--filter type=container --filter event=health_status >"$T_TMP/events.txt" 2>/dev/null &
EV_PID=$!
t_on_exit "kill $EV_PID 2>/dev/null"
sleep 1

i=1
while [ "$i" -le "$ROUNDS" ]; do
	t_break api || t_fail "cannot break api"
	t_wait_for 30 h_count_ge "$(h_said_expr 'HEALTH_FAIL: api')" "$i" || t_fail "round $i: no HEALTH_FAIL"
	t_heal api || t_fail "cannot heal api"
	t_wait_for 30 h_count_ge "$(h_said_expr 'HEALTHY: api')" "$i" || t_fail "round $i: no HEALTHY"
	i=$((i + 1))
done
sleep 1
kill "$EV_PID" 2>/dev/null

# Pair the k-th unhealthy event with the k-th HEALTH_FAIL line.
grep ' health_status: unhealthy$' "$T_TMP/events.txt" | cut -d' ' -f1 >"$T_TMP/ev.ns"
t_log_select "$(h_said_expr 'HEALTH_FAIL: api')" |
	jq -r '(.ts[0:19] + "Z" | fromdateiso8601) * 1000 + (.ts[20:23] | tonumber)' >"$T_TMP/out.ms"
paste "$T_TMP/ev.ns" "$T_TMP/out.ms" | awk '
	NF == 2 { d = $2 - $1 / 1000000; print d }' | sort -n >"$T_TMP/lat.ms"
n=$(wc -l <"$T_TMP/lat.ms")
[ "$n" -gt 0 ] || t_fail "no latencies measured"
med=$(awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }' "$T_TMP/lat.ms")
max=$(tail -n 1 "$T_TMP/lat.ms")
min=$(head -n 1 "$T_TMP/lat.ms")

# One poll of the seed's approach: docker compose ps --format json (median of 5).
for k in 1 2 3 4 5; do
	a=$(date +%s%N)
	t_compose v2 ps --format json >/dev/null 2>&1
	b=$(date +%s%N)
	echo $(((b - a) / 1000000))
done | sort -n >"$T_TMP/ps.ms"
ps_med=$(sed -n 3p "$T_TMP/ps.ms")

printf 'rounds %s: event -> HEALTH_FAIL typed: median %.0f ms, min %.0f ms, max %.0f ms\n' \
	"$n" "$med" "$min" "$max"
printf 'one `docker compose ps --format json`: median %s ms (polling every 5 s: detection within 5 s + %s ms)\n' \
	"$ps_med" "$ps_med"
h_finish
