# tests/lib-health.sh: helpers for the health tests (source it after tests/lib.sh).
# Projects use tests/fixtures/health/compose.yaml (base image only, no build) and a test config
# with short timings: grace 1s (H_GRACE), backoff 1s..4s, budget 3 restarts in 60s. Lines go to
# a bus pane of a private tmux server, so signal_out events show what was typed.

H_FIXTURES=$top_srcdir/tests/fixtures/health

# The compose flavors to test (both if installed); none: skip (fail under CI).
h_flavors() {
	_h_f=$(t_flavors)
	[ -n "$_h_f" ] || t_skip --engine "no compose (v2 or v1) installed"
	echo "$_h_f"
}

# New project NAME (t_project_new) with the health compose file; makes sure the base image exists.
h_project() {
	t_base_image
	t_project_new "$1"
	cp "$H_FIXTURES/compose.yaml" "$T_PROJECT_DIR/compose.yaml" ||
		t_fail "cannot copy the health fixture"
}

# Write the test config for FLAVOR (grace $H_GRACE, default 1s) and print its path.
h_config() {
	_h_cfg=$T_TMP/composed-$1.yml
	cat >"$_h_cfg" <<EOC
agent:
  send_delay: 0ms
compose:
  flavor: $1
health:
  grace: ${H_GRACE:-1s}
  backoff: {initial: 1s, max: 4s, reset_after: 10m}
  budget: {restarts: 3, window: 60s}
  flapping: {changes: 50, window: 60s}
  debounce: 300ms
EOC
	echo "$_h_cfg"
}

# Start composed for $T_PROJECT with FLAVOR (log: $T_TMP/composed-FLAVOR.log), typing into a
# bus pane (`cat >/dev/null`) of the test's private tmux server; wait until the engine is connected.
h_start() {
	T_LOG=$T_TMP/composed-$1.log
	_h_cfg=$(h_config "$1")
	if [ -z "${H_BUS:-}" ]; then
		t_tmux_start bus 200 50 sh -c 'exec cat >/dev/null'
		H_BUS=$(t_tmux display-message -p -t bus '#{pane_id}') || t_fail "no bus pane"
	fi
	t_composed_start -L "$T_TMUX_SOCKET" -t bus -b "$H_BUS" -c "$_h_cfg" \
		-p "$T_PROJECT" -C "$T_PROJECT_DIR"
	t_log_wait 30 '.event == "engine" and .state == "connected"' >/dev/null ||
		t_fail "$1: the engine never got connected"
}

# Stop composed and take the project down (between flavors).
h_finish() {
	t_composed_stop
	[ "$T_COMPOSED_STATUS" = 0 ] || t_fail "composed exited $T_COMPOSED_STATUS"
	t_project_down "$T_PROJECT:$T_PROJECT_DIR"
}

# jq filter: signal_out lines whose text matches the regex RE.
h_said_expr() {
	printf '.event == "signal_out" and (.text | test("%s"))' "$1"
}

# How many lines matching RE composed typed.
h_said_count() {
	t_log_count "$(h_said_expr "$1")"
}

# Wait up to TIMEOUT_S for a typed line matching RE (fails the test otherwise).
h_wait_said() {
	t_log_wait "$1" "$(h_said_expr "$2")" >/dev/null ||
		t_fail "no line matching /$2/ within $1 s"
}

# How many restarts of SERVICE composed made.
h_restarts() {
	t_log_count ".event == \"restart\" and .service == \"$1\""
}

# Wait up to TIMEOUT_S until the latest health event of SERVICE has field == value (jq literal).
h_wait_health() {
	t_wait_for "$1" h_health_is "$2" "$3" "$4" ||
		t_fail "$2: .$3 never became $4 within $1 s"
}

# Whether the latest health event of SERVICE has .FIELD == VALUE (a jq literal).
h_health_is() {
	_h_last=$(t_log_select ".event == \"health\" and .service == \"$1\"" | tail -n 1)
	[ -n "$_h_last" ] && [ "$(printf '%s' "$_h_last" | jq -c ".$2 == $3")" = true ]
}

# Wait up to TIMEOUT_S until compose SERVICE's container reports STATE (t_health).
h_wait_state() {
	t_wait_for "$1" t_health_is "$2" "$3" ||
		t_fail "$2 never became $3 within $1 s (it is $(t_health "$2"))"
}

# Whether at least N log lines match the jq expression EXPR.
h_count_ge() {
	[ "$(t_log_count "$1")" -ge "$2" ]
}
