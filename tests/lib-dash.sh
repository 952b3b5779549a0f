# tests/lib-dash.sh: helpers for the dashboard tests (POSIX sh). Source it after tests/lib.sh.
# composed runs in a pane of the test's private tmux server (t_tmux_start), through a wrapper
# that records its exit code and the terminal modes after it, then keeps the pane open.

# Quote one word for sh.
d_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Start composed's dashboard in a new session NAME of WxH in DIR:
#   d_start NAME W H DIR [VAR=value...] [-- ARGS...]
# VARs go to composed's environment (TERM=dumb, NO_COLOR=1...); ARGS to composed after
# --log $T_LOG (an earlier log is moved aside). Sets D_WIN; waits (10 s) for the start
# event; sets D_PID (composed) and D_PANE_PID (the wrapper, the pane's session leader).
d_start() {
	D_WIN=$1
	_d_w=$2
	_d_h=$3
	_d_dir=$4
	shift 4
	_d_env=""
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		_d_env="$_d_env $(d_quote "$1")"
		shift
	done
	[ "$#" -gt 0 ] && shift
	_d_args=""
	for _d_a in "$@"; do
		_d_args="$_d_args $(d_quote "$_d_a")"
	done
	rm -f "$T_TMP/$D_WIN.rc" "$T_TMP/$D_WIN.stty"
	[ -f "$T_LOG" ] && mv "$T_LOG" "$T_LOG.$D_WIN.before"
	# The wrapper survives the C-c meant for composed (the trap resets in the child).
	cat >"$T_TMP/$D_WIN.sh" <<EOF
trap true INT
ulimit -c 0 2>/dev/null
cd $(d_quote "$_d_dir") || exit 1
env$_d_env $(d_quote "$COMPOSED") --log $(d_quote "$T_LOG")$_d_args
echo "rc=\$?" >$(d_quote "$T_TMP/$D_WIN.rc")
stty -a >$(d_quote "$T_TMP/$D_WIN.stty") 2>&1
echo "composed exited"
exec sleep 600
EOF
	if [ -z "$T_TMUX_SOCKET" ]; then
		t_tmux_start "$D_WIN" "$_d_w" "$_d_h" sh "$T_TMP/$D_WIN.sh"
	else
		t_tmux new-session -d -s "$D_WIN" -x "$_d_w" -y "$_d_h" \
			sh "$T_TMP/$D_WIN.sh" || t_fail "cannot open session $D_WIN"
	fi
	t_log_wait 10 '.event == "start"' >/dev/null || {
		d_screen >&2
		t_fail "composed did not start in the pane"
	}
	D_PID=$(t_log_select '.event == "start"' | jq -r .pid | head -n 1)
	D_PANE_PID=$(t_tmux display-message -p -t "$D_WIN" '#{pane_pid}')
}

# What the pane shows (the screen grid, one line per row).
d_screen() {
	t_tmux capture-pane -p -t "$D_WIN"
}

# Whether the pane shows a line matching the grep -E PATTERN.
d_has() {
	d_screen 2>/dev/null | grep -Eq -- "$1"
}

# Whether the pane shows no line matching the grep -E PATTERN.
d_lacks() {
	! d_has "$1"
}

# Wait up to TIMEOUT_S until the pane shows PATTERN; fail with MSG (and the screen) if not.
d_wait() {
	t_wait_for "$1" d_has "$2" && return 0
	d_screen >&2
	t_fail "${3:-the dashboard did not show /$2/}"
}

# Wait up to TIMEOUT_S until the pane no longer shows PATTERN; fail with MSG if it still does.
d_wait_gone() {
	t_wait_for "$1" d_lacks "$2" && return 0
	d_screen >&2
	t_fail "${3:-the dashboard still shows /$2/}"
}

# Send tmux key names (or, with -l, literal text) to the pane.
d_keys() {
	t_tmux send-keys -t "$D_WIN" "$@"
}

# Width of the rule under the table (drawn with ─ across the whole screen).
d_rule_width() {
	d_screen | grep -- '── Chain ' | head -n 1 | sed 's/─/-/g' | tr -d '\n' | wc -c |
		tr -d ' '
}

# Number of rows the pane shows and the width of the rule under the table.
d_size() {
	echo "$(d_screen | wc -l | tr -d ' ') rows, rule $(d_rule_width) columns"
}

# Whether the pane's screen has ROWS rows and the rule under the table is COLS wide.
d_size_is() {
	[ "$(d_screen | wc -l | tr -d ' ')" = "$1" ] && [ "$(d_rule_width)" = "$2" ]
}

# Whether composed (D_PID) is gone and the wrapper wrote its exit code.
d_exited() {
	[ -s "$T_TMP/$D_WIN.rc" ] && ! t_pid_alive "$D_PID"
}

# Wait up to TIMEOUT_S for composed to exit; print its exit code.
d_wait_exit() {
	t_wait_for "$1" d_exited || {
		d_screen >&2
		t_fail "composed did not exit within $1 s"
	}
	sed -n 's/^rc=//p' "$T_TMP/$D_WIN.rc"
}

# Fail unless the terminal modes after composed are a shell's (canonical, echo, signals).
d_terminal_restored() {
	# The wrapper runs stty right after writing rc: wait (bounded) for it.
	t_wait_for 10 test -s "$T_TMP/$D_WIN.stty" || t_fail "no stty output after composed"
	for _d_mode in icanon echo isig icrnl opost; do
		grep -Eq "(^| )$_d_mode( |$)" "$T_TMP/$D_WIN.stty" ||
			t_fail "terminal not restored: $_d_mode is off: $(cat "$T_TMP/$D_WIN.stty")"
	done
	[ "$(t_tmux display-message -p -t "$D_WIN" '#{alternate_on}')" = 0 ] ||
		t_fail "the pane is still on the alternate screen"
}

# Processes left in the pane's session (composed, its children, the wrapper).
d_leftovers() {
	ps -e -o sid=,pid=,args= | awk -v sid="$D_PANE_PID" '$1 == sid { print }'
}

# Whether composed is gone.
d_gone() {
	! t_pid_alive "$D_PID"
}

# Print SGR colour parameters (30-38, 40-48, 90-107) found in the pane's escapes; nothing if
# none. 39 and 49 (default colours) are left out: tmux puts them after every reset.
d_colour_escapes() {
	t_tmux capture-pane -p -e -t "$D_WIN" |
		grep -o "$(printf '\033')\[[0-9;:]*m" |
		sed 's/^.\[//; s/m$//' | tr ';:' '\n\n' |
		grep -Ex '3[0-8]|4[0-8]|9[0-7]|10[0-7]' | sort -u
}
