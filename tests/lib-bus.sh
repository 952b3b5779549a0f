# tests/lib-bus.sh: helpers for the bus tests (tmux bus, composed send). Source after lib.sh:
#     . "$top_srcdir/tests/lib.sh"; . "$top_srcdir/tests/lib-bus.sh"
# B_CONF is a small config (no chains; DOCKER_STATUS answers; send_delay from B_DELAY, default 0).

B_CONF=$T_TMP/composed.yml

# Write $B_CONF: agent settings, the DOCKER_STATUS trigger, no chains; extra YAML lines from $1.
b_conf() {
	cat >"$B_CONF" <<EOC
agent:
  send_delay: ${B_DELAY:-0}
  queue_max: 64
triggers:
  - on: DOCKER_STATUS
    action: status
chains: {}
${1:-}
EOC
}

# Start the private server (session "test", WxH) running CMD...; B_BUS is its first pane's id.
b_server() {
	_b_w=$1
	_b_h=$2
	shift 2
	t_tmux_start test "$_b_w" "$_b_h" "$@"
	B_BUS=$(t_tmux display-message -p -t test:0.0 '#{pane_id}')
	[ -n "$B_BUS" ] || t_fail "no bus pane"
}

# The id of the pane TARGET.
b_pane_id() {
	t_tmux display-message -p -t "$1" '#{pane_id}'
}

# Start composed on the private server with $B_CONF and -b $B_BUS (plus ARGS); wait until
# it reads the bus (a tmux "connected" event).
b_composed() {
	[ -f "$B_CONF" ] || b_conf
	t_composed_start -n -c "$B_CONF" -L "$T_TMUX_SOCKET" -b "$B_BUS" "$@"
	t_log_wait 10 '.event == "tmux" and .state == "connected"' >/dev/null ||
		t_fail "composed did not connect to the bus"
}

# Type TEXT into PANE the way peers do (literal text, then Enter as a separate key).
b_type() {
	t_tmux send-keys -t "$1" -l -- "$2" && t_tmux send-keys -t "$1" Enter
}

# Type TEXT into PANE with the seed's protocol: text, 0.5 s, Enter.
b_type_seed() {
	t_tmux send-keys -t "$1" -l -- "$2" && sleep 0.5 && t_tmux send-keys -t "$1" Enter
}

# How many signal_in events (from the bus, not typed by hand) have .text == TEXT.
b_in_count() {
	t_log_count ".event == \"signal_in\" and .manual == false and .text == $(b_json "$1")"
}

# TEXT as a JSON string (for jq expressions).
b_json() {
	printf '%s' "$1" | jq -Rs .
}

# Wait up to TIMEOUT_S until exactly N signal_in events have .text == TEXT; then make sure
# no more arrive for SETTLE_S (default 1) seconds.
b_expect_in() {
	_b_t=$1
	_b_n=$2
	_b_text=$3
	t_wait_for "$_b_t" b_in_is "$_b_n" "$_b_text" ||
		t_fail "expected $_b_n signal_in for '$_b_text', got $(b_in_count "$_b_text")"
	sleep "${4:-1}"
	b_in_is "$_b_n" "$_b_text" ||
		t_fail "expected $_b_n signal_in for '$_b_text' after settling, got $(b_in_count "$_b_text")"
}

# Whether exactly N signal_in events have .text == TEXT.
b_in_is() {
	[ "$(b_in_count "$2")" = "$1" ]
}

# Whether the log has an event matching the jq EXPR.
b_has() {
	t_log_has "$1"
}

# Fail unless composed stayed connected: exactly N "connected" events so far, no framing error.
b_no_desync() {
	_b_c=$(t_log_count '.event == "tmux" and .state == "connected"')
	[ "$_b_c" = "$1" ] || t_fail "expected $1 tmux connected events, got $_b_c"
	if t_log_has '.event == "error" and (.message | test("framing"))'; then
		t_fail "the reply framing was lost"
	fi
}

# Whether pane TARGET is in a mode (copy-mode).
b_in_mode() {
	[ "$(t_tmux display-message -p -t "$1" '#{pane_in_mode}')" = 1 ]
}

# Print how many lines of pane TARGET (history included, wrapped lines joined) match grep -F TEXT.
b_pane_count() {
	t_tmux capture-pane -p -J -S - -t "$1" | grep -cF -- "$2"
}
