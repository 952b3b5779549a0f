#!/bin/sh
# bench/health-idle.sh: composed's CPU while it watches 10 healthy services (healthchecks every
# second) for SECS seconds (default 60), its children counted (the `docker events` child and
# any resync: utime+stime from /proc/PID/stat of composed and its live descendants, plus the
# cutime+cstime of the ones it reaped); next to the CPU one `docker compose ps` poll costs.
#   COMPOSED=build/composed top_srcdir=. top_builddir=build sh bench/health-idle.sh [SECS]
# Needs a Docker engine (DOCKER_HOST), compose v2, tmux and jq. Uses the test helpers.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux awk
t_engine_require
t_flavor_require v2
SECS=${1:-60}
N=10

# CPU ticks used so far by PID, its live descendants and its reaped children.
h_cpu_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
	{
		p = index($0, ") ")
		if (p == 0) next
		pid = $1
		n = split(substr($0, p + 2), a, " ")
		ppid[pid] = a[2]; cpu[pid] = a[12] + a[13]; reaped[pid] = a[14] + a[15]
	}
	END {
		in_tree[root] = 1
		do {
			more = 0
			for (q in ppid)
				if (!(q in in_tree) && (ppid[q] in in_tree)) { in_tree[q] = 1; more = 1 }
		} while (more)
		t = reaped[root]
		for (q in in_tree) t += cpu[q]
		print t
	}'
}

h_project bench-idle
{
	sed -n '1,/^services:/p' "$H_FIXTURES/compose.yaml"
	i=1
	while [ "$i" -le "$N" ]; do
		printf '  s%d:\n    <<: *svc\n    command: ["s%d"]\n' "$i" "$i"
		i=$((i + 1))
	done
} >"$T_PROJECT_DIR/compose.yaml"
t_compose v2 up -d >/dev/null 2>&1 || t_fail "compose up failed"
i=1
while [ "$i" -le "$N" ]; do
	h_wait_state 60 "s$i" healthy
	i=$((i + 1))
done
h_start v2
t_composed_type "[SIGNAL: DOCKER_STATUS]"
h_wait_said 20 "STATUS: $N/$N healthy"
sleep 2

hz=$(getconf CLK_TCK)
t0=$(h_cpu_ticks "$T_COMPOSED_PID")
kids=$(awk -v r="$T_COMPOSED_PID" '$4 == r' /proc/[0-9]*/stat 2>/dev/null | wc -l)
sleep "$SECS"
t1=$(h_cpu_ticks "$T_COMPOSED_PID")

# One poll the way the seed does it.
a=$(h_cpu_ticks $$)
t_compose v2 ps --format json >/dev/null 2>&1
b=$(h_cpu_ticks $$)

awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$SECS" -v n="$N" -v k="$kids" -v p=$((b - a)) 'BEGIN {
	printf "composed + children (%d live), %d healthy services, %d s: %d ticks = %.2f s CPU = %.3f%% of one core\n",
	    k, n, s, d, d / hz, 100 * d / hz / s
	printf "one `docker compose ps --format json` poll: %d ticks = %.2f s CPU; every 5 s = %.1f%% of one core\n",
	    p, p / hz, 100 * p / hz / 5
}'
h_finish
