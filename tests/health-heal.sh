#!/bin/sh
# health-heal: healthy -> unhealthy gives one HEALTH_FAIL, one restart, then HEALTHY; a service
# unhealthy inside its start_period is reported but not touched; a `docker stop` is not undone;
# DOCKER_STATUS answers from the model. Compose v2 and v1, real engine.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux
t_engine_require

for flavor in $(h_flavors); do
	h_project "heal-$flavor"
	t_compose "$flavor" up -d api slow idle >/dev/null 2>&1 ||
		t_fail "$flavor: compose up failed"
	for s in api slow idle; do
		h_wait_state 30 "$s" healthy
	done
	h_start "$flavor"
	h_wait_health 20 api health '"healthy"'

	# DOCKER_STATUS comes from the model, no compose process.
	t_composed_type "[SIGNAL: DOCKER_STATUS]"
	h_wait_said 10 '^\\[DOCKER\\] STATUS: 3/3 healthy - all healthy$'

	# A human stops idle: never restarted, never reported as EXITED.
	docker stop -t 1 "$(t_container idle)" >/dev/null || t_fail "docker stop idle"
	h_wait_health 20 idle state '"stopped"'

	# api's probe file goes away: one HEALTH_FAIL, one restart (grace 1s), then HEALTHY.
	t_break api || t_fail "cannot break api"
	t_break slow || t_fail "cannot break slow"
	h_wait_said 20 '^\\[DOCKER\\] HEALTH_FAIL: api - '
	t_log_wait 20 '.event == "restart" and .service == "api" and .attempt == 1' >/dev/null ||
		t_fail "$flavor: api was not restarted"
	h_wait_said 40 '^\\[DOCKER\\] HEALTHY: api$'
	h_wait_said 10 '^\\[DOCKER\\] RESTARTED: api - attempt 1/3$'
	# slow is unhealthy inside start_period: reported, skipped, never restarted.
	h_wait_said 20 '^\\[DOCKER\\] HEALTH_FAIL: slow - '
	t_log_wait 10 '.event == "heal" and .service == "slow" and .action == "skipped" and .reason == "start_period"' >/dev/null ||
		t_fail "$flavor: no start_period skip logged for slow"
	# Let a few more probe intervals and graces pass: nothing is repeated.
	sleep 4
	[ "$(h_said_count 'HEALTH_FAIL: api')" = 1 ] || t_fail "$flavor: HEALTH_FAIL api not exactly once"
	[ "$(h_said_count 'HEALTHY: api')" = 1 ] || t_fail "$flavor: HEALTHY api not exactly once"
	[ "$(h_restarts api)" = 1 ] || t_fail "$flavor: api restarted $(h_restarts api) times"
	[ "$(h_restarts slow)" = 0 ] || t_fail "$flavor: slow was restarted inside its start_period"
	[ "$(h_said_count 'HEALTH_FAIL: slow')" = 1 ] || t_fail "$flavor: HEALTH_FAIL slow not exactly once"
	[ "$(h_restarts idle)" = 0 ] || t_fail "$flavor: a stopped service was restarted"
	[ "$(h_said_count 'idle')" = 0 ] || t_fail "$flavor: a manual stop was reported"
	t_health_is idle exited || t_fail "$flavor: idle is $(t_health idle), not stopped"
	t_health_is api healthy || t_fail "$flavor: api is $(t_health api) after the heal"
	# The health events carry what the dashboard shows.
	t_log_has '.event == "health" and .service == "api" and .restarts == 1 and .image == "composed-busybox:latest" and (.container | length) == 12 and .auto_restart == true and .failed == false and (.since | test("Z$"))' ||
		t_fail "$flavor: health events lack dashboard fields"
	[ "$(t_log_count '.event == "error"')" = 0 ] || t_fail "$flavor: errors were logged"
	h_finish
done
exit 0
