#!/bin/sh
# health-recreate: api goes unhealthy and, during the grace, a human recreates it
# (`up -d --force-recreate api`). composed never acts on the old container, logs no error,
# keeps no ghost (STATUS counts one api) and reports the new container HEALTHY. v2 and v1.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux
t_engine_require
H_GRACE=6s

for flavor in $(h_flavors); do
	h_project "recreate-$flavor"
	t_compose "$flavor" up -d api >/dev/null 2>&1 || t_fail "$flavor: compose up failed"
	h_wait_state 30 api healthy
	h_start "$flavor"
	h_wait_health 20 api health '"healthy"'
	old=$(t_container api)
	t_break api || t_fail "cannot break api"
	h_wait_said 20 '^\\[DOCKER\\] HEALTH_FAIL: api - '
	t_compose "$flavor" up -d --force-recreate api >/dev/null 2>&1 ||
		t_fail "$flavor: the recreate failed"
	new=$(t_container api)
	[ -n "$new" ] && [ "$new" != "$old" ] || t_fail "$flavor: compose did not recreate api"
	h_wait_said 40 '^\\[DOCKER\\] HEALTHY: api$'
	h_wait_health 10 api container "\"$(printf %.12s "$new")\""
	# Past the grace and a backoff: still no restart, no error.
	sleep 8
	[ "$(h_restarts api)" = 0 ] || t_fail "$flavor: composed restarted api after the recreate"
	[ "$(t_log_count '.event == "error"')" = 0 ] || t_fail "$flavor: errors were logged"
	[ "$(t_log_count '.event == "chain_start"')" = 0 ] || t_fail "$flavor: composed ran a chain"
	t_composed_type "[SIGNAL: DOCKER_STATUS]"
	h_wait_said 10 'STATUS: 1/1 healthy - all healthy$'
	[ "$(h_said_count 'HEALTH_FAIL: api')" = 1 ] || t_fail "$flavor: HEALTH_FAIL repeated"
	h_finish
done
exit 0
