#!/bin/sh
# health-engine: the engine goes away and comes back. This test starts its OWN dockerd (own -H
# socket, --data-root, --exec-root, --pidfile, no bridge, no iptables) and stops only that one, by
# its pid; the team's shared engine is never touched. composed logs the engine unreachable,
# answers STATUS from what it last knew, reconnects by itself, resyncs, and still heals
# afterwards (the events stream is back). Compose v2 and v1.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux dockerd docker
[ "$(id -u)" = 0 ] || t_skip --engine "a private dockerd needs root"

H_D=$T_TMP/d
H_DOCKERD_PID=""
mkdir -p "$H_D" || t_fail "mkdir $H_D"
DOCKER_HOST=unix://$H_D/docker.sock
export DOCKER_HOST
unset DOCKER_CONTEXT

# Whether the private engine answers.
h_dockerd_up() {
	timeout 10 docker info >/dev/null 2>&1 </dev/null
}

# Whether the private dockerd has exited.
h_dockerd_gone() {
	! t_pid_alive "$H_DOCKERD_PID"
}

# Start the private dockerd and wait (60 s) until it answers.
h_dockerd_start() {
	dockerd -H "$DOCKER_HOST" --data-root "$H_D/data" --exec-root "$H_D/exec" \
		--pidfile "$H_D/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
		</dev/null >>"$H_D/dockerd.log" 2>&1 &
	H_DOCKERD_PID=$!
	t_wait_for 60 h_dockerd_up || {
		tail -n 20 "$H_D/dockerd.log" >&2
		t_fail "the private dockerd did not answer within 60 s"
	}
}

# Stop the private dockerd (TERM, then KILL after 60 s), by its pid only.
h_dockerd_stop() {
	[ -n "$H_DOCKERD_PID" ] || return 0
	kill -TERM "$H_DOCKERD_PID" 2>/dev/null
	t_wait_for 60 h_dockerd_gone || kill -KILL "$H_DOCKERD_PID" 2>/dev/null
	wait "$H_DOCKERD_PID" 2>/dev/null
	H_DOCKERD_PID=""
}

# At exit: our projects down on the private engine, then the private engine stops.
h_private_cleanup() {
	if [ -n "$H_DOCKERD_PID" ]; then
		for _h_p in $T_PROJECTS; do
			t_project_down "$_h_p"
		done
		T_PROJECTS=""
		docker rmi -f composed-busybox:latest >/dev/null 2>&1
		h_dockerd_stop
	fi
	# A killed dockerd may leave mounts under our dir: only ours are touched.
	grep -o " $H_D/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r _h_m; do
		umount -l "$_h_m" 2>/dev/null
	done
}
t_on_exit h_private_cleanup

h_dockerd_start
for flavor in $(h_flavors); do
	h_project "engine-$flavor"
	# api comes back by Docker's restart policy; idle is stopped by the daemon's shutdown.
	sed 's/    command: \["api"\]/    command: ["api"]\n    restart: always/' \
		"$H_FIXTURES/compose.yaml" >"$T_PROJECT_DIR/compose.yaml"
	t_compose "$flavor" up -d api idle >/dev/null 2>&1 || t_fail "$flavor: compose up failed"
	h_wait_state 30 api healthy
	h_wait_state 30 idle healthy
	h_start "$flavor"
	h_wait_health 20 api health '"healthy"'

	h_dockerd_stop
	t_log_wait 30 '.event == "engine" and .state == "unreachable"' >/dev/null ||
		t_fail "$flavor: composed did not notice the engine went away"
	t_composed_type "[SIGNAL: DOCKER_STATUS]"
	h_wait_said 10 'STATUS: .* - engine unreachable, last known: '
	t_composed_alive || t_fail "$flavor: composed died with the engine"

	h_dockerd_start
	t_wait_for 30 h_count_ge '.event == "engine" and .state == "connected"' 2 ||
		t_fail "$flavor: composed did not reconnect within 30 s"
	h_wait_state 60 api healthy
	t_wait_for 30 h_health_is api health '"healthy"' || t_fail "$flavor: the model did not see api healthy again"
	t_composed_type "[SIGNAL: DOCKER_STATUS]"
	h_wait_said 20 'STATUS: 1/2 healthy - idle (exited|stopped)'
	[ "$(h_restarts idle)" = 0 ] || t_fail "$flavor: composed restarted what the daemon's shutdown stopped"
	[ "$(t_log_count '.event == "engine" and .state == "unreachable"')" = 1 ] ||
		t_fail "$flavor: engine unreachable was logged more than once"

	# The events stream is back: a fault after the restart is still healed.
	t_break api || t_fail "cannot break api"
	h_wait_said 30 '^\\[DOCKER\\] HEALTH_FAIL: api - '
	t_log_wait 30 '.event == "restart" and .service == "api"' >/dev/null ||
		t_fail "$flavor: no restart after the engine came back"
	h_wait_said 60 '^\\[DOCKER\\] HEALTHY: api$'
	h_finish
done
exit 0
