#!/bin/sh
# health-budget: a crash loop. EXITED is typed once; composed restarts with the backoff
# (1s, then 2s after the previous restart), the budget (3 in 60s) trips, the ERROR line is typed
# once and no restart follows; [SIGNAL: DOCKER_RESET] re-arms it. Compose v2 and v1.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux
t_engine_require

# Milliseconds between the restart of attempt K and the end of the heal chain before it.
h_backoff_gap() {
	jq -sR --argjson k "$1" '
		def ms: (.ts[0:19] + "Z" | fromdateiso8601) * 1000 + (.ts[20:23] | tonumber);
		[split("\n")[] | fromjson? ] as $e
		| ([$e[] | select(.event == "restart" and .service == "worker")] | .[$k - 1] | ms) as $r
		| ([$e[] | select(.event == "chain_end" and .chain == "heal-worker")] | .[$k - 2] | ms) as $c
		| $r - $c' "$T_LOG"
}

for flavor in $(h_flavors); do
	h_project "budget-$flavor"
	# composed watches first: the crashes happen in front of it.
	h_start "$flavor"
	WORKER_EXIT=3 t_compose "$flavor" up -d worker >/dev/null 2>&1 ||
		t_fail "$flavor: compose up worker failed"
	h_wait_said 30 '^\\[DOCKER\\] EXITED: worker - exit 3$'
	t_log_wait 90 '.event == "heal" and .service == "worker" and .action == "gave_up"' >/dev/null ||
		t_fail "$flavor: the budget never tripped ($(h_restarts worker) restarts)"
	h_wait_said 10 '^\\[DOCKER->OBSERVE\\] ERROR: worker - gave up after 3 restarts in 1m$'
	[ "$(h_restarts worker)" = 3 ] || t_fail "$flavor: $(h_restarts worker) restarts before giving up, not 3"
	for k in 1 2 3; do
		t_log_has ".event == \"restart\" and .service == \"worker\" and .attempt == $k and .budget == 3" ||
			t_fail "$flavor: no restart attempt $k/3"
	done
	# The backoff: >= 1 s after the first restart ended, >= 2 s after the second.
	gap=$(h_backoff_gap 2)
	[ "$gap" -ge 950 ] || t_fail "$flavor: restart 2 came $gap ms after restart 1 ended (backoff 1s)"
	gap=$(h_backoff_gap 3)
	[ "$gap" -ge 1950 ] || t_fail "$flavor: restart 3 came $gap ms after restart 2 ended (backoff 2s)"
	# Failed: no more restarts, no second ERROR, EXITED never repeated.
	sleep 6
	[ "$(h_restarts worker)" = 3 ] || t_fail "$flavor: restarted after giving up"
	[ "$(h_said_count 'ERROR: worker')" = 1 ] || t_fail "$flavor: the ERROR line was not typed exactly once"
	[ "$(h_said_count 'EXITED: worker')" = 1 ] || t_fail "$flavor: EXITED was repeated"
	[ "$(h_said_count 'RESTARTED: worker')" = 3 ] || t_fail "$flavor: not 3 RESTARTED lines"
	h_health_is worker failed true || t_fail "$flavor: the health event does not say failed"
	t_composed_type "[SIGNAL: DOCKER_STATUS]"
	h_wait_said 10 'STATUS: 0/1 healthy - worker failed$'
	# DOCKER_RESET: the budget is fresh again.
	t_composed_type "[SIGNAL: DOCKER_RESET] worker"
	t_log_wait 10 '.event == "heal" and .service == "worker" and .action == "reset"' >/dev/null ||
		t_fail "$flavor: DOCKER_RESET was not applied"
	t_wait_for 20 h_count_ge '.event == "restart" and .service == "worker"' 4 ||
		t_fail "$flavor: no restart after DOCKER_RESET"
	[ "$(t_log_select '.event == "restart" and .service == "worker"' | sed -n 4p | jq .attempt)" = 1 ] ||
		t_fail "$flavor: the restart after the reset is not attempt 1"
	h_finish
done
exit 0
