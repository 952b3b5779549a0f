# tests/lib.sh: helpers for the integration tests (POSIX sh). Source it first:
#     . "$top_srcdir/tests/lib.sh"
# Every wait is bounded; one EXIT trap stops what the test started (composed by pid, our private
# tmux server, our compose projects) and removes the test's temp dir (T_KEEP=1 keeps it).
# Don't set your own EXIT trap: register extra cleanup with t_on_exit. Helpers that fail the
# test (t_fail) must not run inside $(...), where exit only leaves the subshell.
# Exit 77 = skip; with CI=true a missing engine is a failure, not a skip.
# Variables: $COMPOSED (binary), $top_srcdir, $top_builddir, $T_NAME (test name), $T_TMP (temp
# dir), $T_LOG (composed's --log file), $T_TMUX (tmux argv prefix), $T_PROJECT/$T_PROJECT_DIR.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
: "${COMPOSED:=$top_builddir/composed}"
export top_srcdir top_builddir COMPOSED
T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/composed-test-$T_NAME.XXXXXX") || exit 99
T_LOG=$T_TMP/composed.log
T_ENGINE_SOCK=unix:///run/composed-engine/docker.sock
T_COMPOSED_PID=""
T_COMPOSED_STATUS=""
T_TMUX_SOCKET=""
T_TMUX=""
T_PROJECTS=""
T_ON_EXIT=""
T_CLEANED=0
# Tests never talk to the tmux server they may have been started from.
unset TMUX TMUX_PANE

# Say something on stderr (lands in the test's .log).
t_say() {
	printf '%s: %s\n' "$T_NAME" "$*" >&2
}

# Print the tails of composed's log and stderr, to explain a failure.
t_dump() {
	if [ -s "$T_LOG" ]; then
		echo "---- last lines of $T_LOG ----" >&2
		tail -n 30 "$T_LOG" >&2
	fi
	if [ -s "$T_TMP/composed.err" ]; then
		echo "---- last lines of composed's stderr ----" >&2
		tail -n 20 "$T_TMP/composed.err" >&2
	fi
}

# Fail the test with MSG (exit 1), showing composed's recent output.
t_fail() {
	printf 'FAIL: %s: %s\n' "$T_NAME" "$*" >&2
	t_dump
	exit 1
}

# Skip the test with MSG (exit 77); `t_skip --engine MSG` fails instead when CI=true.
t_skip() {
	if [ "${1:-}" = --engine ]; then
		shift
		if [ "${CI:-}" = true ]; then
			t_fail "$* (CI=true: engine tests must not skip)"
		fi
	fi
	printf 'SKIP: %s: %s\n' "$T_NAME" "$*" >&2
	exit 77
}

# Skip unless every named command exists.
t_need() {
	for _t_cmd in "$@"; do
		command -v "$_t_cmd" >/dev/null 2>&1 || t_skip "$_t_cmd is not installed"
	done
}

# Centiseconds since boot (no process spawned).
t_now_cs() {
	read -r _t_up _t_rest </proc/uptime
	_t_cs=${_t_up#*.}
	echo "$(( ${_t_up%.*} * 100 + ${_t_cs#0} ))"
}

# Poll CMD... until it succeeds (0) or TIMEOUT_S (whole seconds) pass (1): every 50 ms for
# the first second, then every 200 ms (CPU is shared).
t_wait_for() {
	_t_deadline=$(( $(t_now_cs) + $1 * 100 ))
	_t_polls=0
	shift
	while :; do
		"$@" && return 0
		[ "$(t_now_cs)" -lt "$_t_deadline" ] || return 1
		_t_polls=$((_t_polls + 1))
		if [ "$_t_polls" -le 20 ]; then sleep 0.05; else sleep 0.2; fi
	done
}

# Print the per-test temp dir (created at source time, removed by the trap).
t_tmpdir() {
	echo "$T_TMP"
}

# Register a shell command to run (eval) at cleanup, before the built-in cleanup.
t_on_exit() {
	T_ON_EXIT="$1
$T_ON_EXIT"
}

# Whether PID is a live process (zombies count as gone).
t_pid_alive() {
	_t_stat=""
	{ read -r _t_stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	_t_stat=${_t_stat##*) }
	[ "${_t_stat%% *}" != Z ]
}

# ---- tmux ----------------------------------------------------------------

# Start a private tmux server composed-test-$$ with session SESSION (default "test") of WxH
# (default 120x40) running CMD... (default: the server's shell); sets T_TMUX and T_SESSION.
t_tmux_start() {
	t_need tmux
	T_SESSION=${1:-test}
	_t_w=${2:-120}
	_t_h=${3:-40}
	if [ "$#" -gt 3 ]; then shift 3; else set --; fi
	T_TMUX_SOCKET=composed-test-$$
	T_TMUX="tmux -L $T_TMUX_SOCKET -f /dev/null"
	export T_TMUX_SOCKET T_TMUX T_SESSION
	tmux -L "$T_TMUX_SOCKET" -f /dev/null new-session -d -c "$T_TMP" -s "$T_SESSION" \
		-x "$_t_w" -y "$_t_h" "$@" || t_fail "cannot start a tmux server"
}

# Run a tmux command on the test's private server.
t_tmux() {
	[ -n "$T_TMUX_SOCKET" ] || t_fail "t_tmux before t_tmux_start"
	tmux -L "$T_TMUX_SOCKET" -f /dev/null "$@"
}

# Print what pane TARGET shows (wrapped lines joined).
t_pane_text() {
	t_tmux capture-pane -p -J -t "$1"
}

# Wait up to TIMEOUT_S until pane TARGET shows a line matching the grep -E PATTERN.
t_pane_wait() {
	t_wait_for "$1" t_pane_has "$2" "$3"
}

# Whether pane TARGET shows a line matching the grep -E PATTERN.
t_pane_has() {
	t_pane_text "$1" 2>/dev/null | grep -Eq -- "$2"
}

# ---- engine and compose ----------------------------------------------------

# Require a Docker engine: DOCKER_HOST from the env, else the private socket, else the default.
t_engine_require() {
	command -v docker >/dev/null 2>&1 || t_skip --engine "no docker client"
	if [ -z "${DOCKER_HOST:-}" ] && [ -z "${DOCKER_CONTEXT:-}" ] &&
		[ -S /run/composed-engine/docker.sock ]; then
		DOCKER_HOST=$T_ENGINE_SOCK
		export DOCKER_HOST
	fi
	timeout 15 docker info >/dev/null 2>&1 </dev/null ||
		t_skip --engine "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-}); run scripts/engine"
}

# Print the installed compose flavors ("v2 v1", "v2", "v1" or ""); COMPOSED_TEST_FLAVORS overrides.
t_flavors() {
	if [ -n "${COMPOSED_TEST_FLAVORS+x}" ]; then
		echo "$COMPOSED_TEST_FLAVORS"
		return
	fi
	_t_f=""
	docker compose version >/dev/null 2>&1 </dev/null && _t_f=v2
	command -v docker-compose >/dev/null 2>&1 &&
		docker-compose version --short >/dev/null 2>&1 </dev/null && _t_f="${_t_f:+$_t_f }v1"
	echo "$_t_f"
}

# Require compose FLAVOR (v2|v1); a missing one skips, or fails under CI.
t_flavor_require() {
	case " $(t_flavors) " in
	*" $1 "*) ;;
	*) t_skip --engine "compose $1 is not installed" ;;
	esac
}

# Run compose FLAVOR (v2: docker compose, v1: docker-compose) with ARGS, in $T_PROJECT_DIR
# when a project was made, bounded by T_COMPOSE_TIMEOUT seconds (default 180).
t_compose() {
	_t_flavor=$1
	shift
	case $_t_flavor in
	v2) set -- docker compose "$@" ;;
	v1) set -- docker-compose "$@" ;;
	*) t_fail "t_compose: unknown flavor '$_t_flavor'" ;;
	esac
	(
		[ -z "${T_PROJECT_DIR:-}" ] || cd "$T_PROJECT_DIR" || exit 1
		exec timeout "${T_COMPOSE_TIMEOUT:-180}" "$@" </dev/null
	)
}

# Make sure the base image composed-busybox:latest exists (builds it once, under a lock).
t_base_image() {
	docker image inspect composed-busybox:latest >/dev/null 2>&1 && return 0
	if command -v flock >/dev/null 2>&1; then
		flock /tmp/composed-busybox.lock bash "$top_srcdir/scripts/engine" --image \
			>/dev/null 2>"$T_TMP/base-image.err"
	else
		bash "$top_srcdir/scripts/engine" --image >/dev/null 2>"$T_TMP/base-image.err"
	fi || {
		cat "$T_TMP/base-image.err" >&2
		t_fail "cannot build composed-busybox:latest"
	}
}

# Copy tests/fixtures/project/ to $T_TMP/NAME; set T_PROJECT=ct-NAME-$$ (also exported as
# COMPOSE_PROJECT_NAME) and T_PROJECT_DIR; the cleanup trap takes the project down.
t_project_new() {
	_t_pname=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_\n-' '-')
	T_PROJECT=ct-$_t_pname-$$
	T_PROJECT_DIR=$T_TMP/$_t_pname
	mkdir -p "$T_PROJECT_DIR" || t_fail "mkdir $T_PROJECT_DIR"
	cp -R "$top_srcdir/tests/fixtures/project/." "$T_PROJECT_DIR/" || t_fail "copy fixture"
	COMPOSE_PROJECT_NAME=$T_PROJECT
	export T_PROJECT T_PROJECT_DIR COMPOSE_PROJECT_NAME
	T_PROJECTS="$T_PROJECTS $T_PROJECT:$T_PROJECT_DIR"
}

# The container id of SERVICE in $T_PROJECT (first one), or nothing.
t_container() {
	docker ps -aq --filter "label=com.docker.compose.project=$T_PROJECT" \
		--filter "label=com.docker.compose.service=$1" | head -n 1
}

# SERVICE's health while running (healthy, unhealthy, starting; running if it has no
# healthcheck), else its state (exited, restarting, created...), or missing.
t_health() {
	_t_c=$(t_container "$1")
	[ -n "$_t_c" ] || { echo missing; return; }
	docker inspect -f '{{if ne .State.Status "running"}}{{.State.Status}}{{else if .State.Health}}{{.State.Health.Status}}{{else}}running{{end}}' \
		"$_t_c" 2>/dev/null
}

# Whether SERVICE's health (or state) is STATE.
t_health_is() {
	[ "$(t_health "$1")" = "$2" ]
}

# Make SERVICE unhealthy (its healthcheck fails from now on; ~2 s later it is unhealthy).
t_break() {
	docker exec "$(t_container "$1")" rm -f /tmp/healthy
}

# Make SERVICE healthy again.
t_heal() {
	docker exec "$(t_container "$1")" touch /tmp/healthy
}

# Crash SERVICE: its PID 1 exits with code 3.
t_crash() {
	docker exec "$(t_container "$1")" kill -USR1 1
}

# Take one project down and remove its containers, volumes and images (only ours).
t_project_down() {
	_t_p=${1%%:*}
	_t_d=${1#*:}
	if docker compose version >/dev/null 2>&1; then
		(cd "$_t_d" 2>/dev/null && COMPOSE_PROJECT_NAME=$_t_p timeout 60 docker compose \
			down -v --remove-orphans --rmi local -t 1 </dev/null >/dev/null 2>&1)
	elif command -v docker-compose >/dev/null 2>&1; then
		(cd "$_t_d" 2>/dev/null && COMPOSE_PROJECT_NAME=$_t_p timeout 60 docker-compose \
			down -v --remove-orphans --rmi local -t 1 </dev/null >/dev/null 2>&1)
	fi
	# Whatever the other flavor (or composed) left: containers by label, images by name.
	_t_ids=$(docker ps -aq --filter "label=com.docker.compose.project=$_t_p" 2>/dev/null)
	[ -z "$_t_ids" ] || docker rm -f -v $_t_ids >/dev/null 2>&1
	_t_ids=$(docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null |
		grep -E "^${_t_p}[-_]" || true)
	[ -z "$_t_ids" ] || docker rmi -f $_t_ids >/dev/null 2>&1
	_t_ids=$(docker volume ls -q --filter "label=com.docker.compose.project=$_t_p" 2>/dev/null)
	[ -z "$_t_ids" ] || docker volume rm -f $_t_ids >/dev/null 2>&1
	return 0
}

# ---- composed --------------------------------------------------------------

# Start $COMPOSED --headless --log $T_LOG ARGS... in the background (stdin: a fifo fed by
# t_composed_type; stdout/stderr: $T_TMP/composed.out/.err); wait (10 s) for the start event.
t_composed_start() {
	[ -x "$COMPOSED" ] || t_fail "no composed binary at $COMPOSED"
	rm -f "$T_TMP/stdin"
	mkfifo "$T_TMP/stdin" || t_fail "mkfifo"
	"$COMPOSED" --headless --log "$T_LOG" "$@" <"$T_TMP/stdin" \
		>"$T_TMP/composed.out" 2>"$T_TMP/composed.err" &
	T_COMPOSED_PID=$!
	exec 9>"$T_TMP/stdin"
	t_wait_for 10 t_composed_started ||
		t_fail "composed did not log a start event within 10 s"
}

# Whether composed logged its start event (fails the test if composed has exited).
t_composed_started() {
	t_log_has '.event == "start"' && return 0
	t_pid_alive "$T_COMPOSED_PID" || t_fail "composed exited before its start event"
	return 1
}

# Type LINE on composed's stdin (handled like a bus line, manual=true).
t_composed_type() {
	[ -n "$T_COMPOSED_PID" ] || t_fail "t_composed_type before t_composed_start"
	printf '%s\n' "$1" >&9 || t_fail "cannot write to composed's stdin"
}

# Whether composed (started by t_composed_start) is still running.
t_composed_alive() {
	[ -n "$T_COMPOSED_PID" ] && t_pid_alive "$T_COMPOSED_PID"
}

# Stop composed with SIGNAL (default TERM), wait up to TIMEOUT_S (default 10), SIGKILL after
# that; sets T_COMPOSED_STATUS to its exit status (call it directly, not in $(...)).
t_composed_stop() {
	T_COMPOSED_STATUS=""
	[ -n "$T_COMPOSED_PID" ] || return 0
	kill "-${1:-TERM}" "$T_COMPOSED_PID" 2>/dev/null
	if ! t_wait_for "${2:-10}" t_composed_gone; then
		kill -KILL "$T_COMPOSED_PID" 2>/dev/null
		t_say "composed did not stop within ${2:-10} s: killed"
	fi
	wait "$T_COMPOSED_PID"
	T_COMPOSED_STATUS=$?
	T_COMPOSED_PID=""
	exec 9>&-
}

# Close composed's stdin (EOF), as when the typing side goes away.
t_composed_eof() {
	exec 9>&-
}

# Wait up to TIMEOUT_S for composed to exit by itself; sets T_COMPOSED_STATUS (1 if still running).
t_composed_wait_exit() {
	T_COMPOSED_STATUS=""
	[ -n "$T_COMPOSED_PID" ] || return 0
	t_wait_for "$1" t_composed_gone || return 1
	wait "$T_COMPOSED_PID"
	T_COMPOSED_STATUS=$?
	T_COMPOSED_PID=""
}

# Whether composed has exited.
t_composed_gone() {
	! t_pid_alive "$T_COMPOSED_PID"
}

# ---- the event log ---------------------------------------------------------

# Print the log lines (compact JSON) for which the jq expression EXPR is true.
t_log_select() {
	[ -f "$T_LOG" ] || return 0
	jq -cR "fromjson? | select($1)" "$T_LOG" 2>/dev/null
}

# Whether a log line matches the jq expression EXPR.
t_log_has() {
	[ -n "$(t_log_select "$1" | head -n 1)" ]
}

# Print how many log lines match the jq expression EXPR.
t_log_count() {
	t_log_select "$1" | wc -l | tr -d ' '
}

# Wait up to TIMEOUT_S for a log line matching the jq expression EXPR; print the first match.
t_log_wait() {
	t_wait_for "$1" t_log_has "$2" || return 1
	t_log_select "$2" | head -n 1
}

# ---- cleanup ---------------------------------------------------------------

# The EXIT trap: run t_on_exit commands, stop composed, our tmux server and projects, rm $T_TMP.
t_cleanup() {
	[ "$T_CLEANED" = 1 ] && return 0
	T_CLEANED=1
	trap '' PIPE HUP INT TERM	# finish cleaning up even if our output is gone
	[ -z "$T_ON_EXIT" ] || eval "$T_ON_EXIT"
	if [ -n "$T_COMPOSED_PID" ]; then
		kill -TERM "$T_COMPOSED_PID" 2>/dev/null
		t_wait_for 5 t_composed_gone || kill -KILL "$T_COMPOSED_PID" 2>/dev/null
		exec 9>&- 2>/dev/null
	fi
	if [ -n "$T_TMUX_SOCKET" ]; then
		tmux -L "$T_TMUX_SOCKET" -f /dev/null kill-server 2>/dev/null
	fi
	for _t_proj in $T_PROJECTS; do
		t_project_down "$_t_proj"
	done
	if [ "${T_KEEP:-0}" = 1 ]; then
		t_say "kept $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
}

# On exit (any status) clean up and keep the status; a signal exits with 128 + signo.
trap '_t_rc=$?; t_cleanup; exit $_t_rc' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
