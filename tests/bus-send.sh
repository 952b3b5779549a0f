#!/bin/sh
# `composed send`: exit 2 on usage errors, 1 with a clear message when tmux or the pane is
# missing or the pane runs a shell it cannot make inert, 0 once the line is typed; TEXT
# words are joined by spaces; it waits for copy-mode to end.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

# Run composed send ARGS; sets rc and out (stdout+stderr).
send() {
	out=$("$COMPOSED" send "$@" 2>&1)
	rc=$?
}

# Fail unless the last send exited with CODE and its output matches the ERE.
expect() {
	[ "$rc" = "$1" ] || t_fail "composed send: exit $rc, want $1 ($out)"
	printf '%s\n' "$out" | grep -Eq -- "$2" || t_fail "composed send: unclear message: $out"
}

send
expect 2 'usage'
send -t %0
expect 2 'no TEXT'
send hello
expect 2 '-t PANE'
send -t %0 --delay soon hello
expect 2 'delay'
send -L a -S /b -t %0 hello
expect 2 'cannot be used together'
send -t %0 --bogus hello
expect 2 'unknown option'
send --help
expect 0 'usage'

# No server at all.
send -L "composed-test-none-$$" -t %0 hello
expect 1 'composed: no tmux server running on '

b_server 80 20 cat
t_tmux split-window -t test cat
send -L "$T_TMUX_SOCKET" -t %9 hello
expect 1 'composed: .*%9'

# Typed: words joined by spaces, a leading - kept, exit 0.
send -L "$T_TMUX_SOCKET" -t "$B_BUS" --delay 0 -- '[PEER]' SENT: 'two  spaces' end
expect 0 '^$'
t_wait_for 5 t_pane_has "$B_BUS" '^\[PEER\] SENT: two  spaces end$' || t_fail "the line was not typed"
send -L "$T_TMUX_SOCKET" -t "$B_BUS" -d 0 -- -n -e -- -x
expect 0 '^$'
t_wait_for 5 t_pane_has "$B_BUS" '^-n -e -- -x$' || t_fail "leading - was not typed literally"

# Copy-mode: waits until the human leaves it, then types.
t_tmux copy-mode -t "$B_BUS"
"$COMPOSED" send -L "$T_TMUX_SOCKET" -t "$B_BUS" -d 0 '[PEER] AFTER: copy-mode' \
	>"$T_TMP/send.out" 2>&1 &
pid=$!
sleep 1.5
t_pid_alive "$pid" || t_fail "composed send did not wait for copy-mode"
b_in_mode "$B_BUS" || t_fail "composed send disturbed copy-mode"
t_tmux send-keys -t "$B_BUS" -X cancel
wait "$pid"
rc=$?
[ "$rc" = 0 ] || t_fail "composed send after copy-mode: exit $rc ($(cat "$T_TMP/send.out"))"
t_wait_for 5 t_pane_has "$B_BUS" '^\[PEER\] AFTER: copy-mode$' || t_fail "not typed after copy-mode"

# A pane running something that is not a shell composed can make inert (ssh): refused.
cp "$(command -v sleep)" "$T_TMP/ssh" || t_fail "cp sleep"
t_tmux new-window -d -t test -n ssh "$T_TMP/ssh 300"
t_wait_for 5 sh -c "[ \"\$(tmux -L $T_TMUX_SOCKET display-message -p -t test:ssh '#{pane_current_command}')\" = ssh ]" ||
	t_fail "the fake ssh did not start"
send -L "$T_TMUX_SOCKET" -t test:ssh -d 0 '[PEER] NOPE: x'
expect 1 'composed: .*ssh'
exit 0
