#!/bin/sh
# Reconnects (case 6): after the control client is detached (detach-client, a human's
# `attach -d`) and after the server dies and a new one starts, composed reconnects with
# backoff, says so in the log, and lines already handled are not handled again; a line typed
# while it was away is read once.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

# Whether composed logged at least N "connected" tmux events.
connected_n() {
	[ "$(t_log_count '.event == "tmux" and .state == "connected"')" -ge "$1" ]
}

b_server 80 20 cat
b_composed
b_type "$B_BUS" '[PEER] BEFORE: a'
b_expect_in 10 1 '[PEER] BEFORE: a' 0

# Detached by a command: gone, back, nothing read twice.
t_tmux detach-client -s test
b_type "$B_BUS" '[PEER] AWAY: b'
t_wait_for 15 connected_n 2 || t_fail "no reconnect after detach-client"
t_log_has '.event == "tmux" and .state == "disconnected" and .retry_ms > 0' ||
	t_fail "the disconnect was not logged with its retry delay"
b_expect_in 10 1 '[PEER] AWAY: b' 0
b_type "$B_BUS" '[PEER] AFTER: c'
b_expect_in 10 1 '[PEER] AFTER: c'
b_in_is 1 '[PEER] BEFORE: a' || t_fail "a line was handled again after the reconnect"

# A human runs `attach -d` (detaching every other client). Its stdin stays open: at EOF
# script(1) would type ^D into the terminal, and tmux would pass it on to the bus (cat).
mkfifo "$T_TMP/human" || t_fail mkfifo
exec 8<>"$T_TMP/human"
script -qfec "tmux -L $T_TMUX_SOCKET -f /dev/null attach-session -d -t test" /dev/null \
	<"$T_TMP/human" >/dev/null 2>&1 &
human=$!
t_on_exit "kill $human 2>/dev/null"
t_wait_for 15 connected_n 3 || t_fail "no reconnect after attach -d"
b_type "$B_BUS" '[PEER] HUMAN: d'
b_expect_in 10 1 '[PEER] HUMAN: d'
kill "$human" 2>/dev/null
for s in '[PEER] BEFORE: a' '[PEER] AWAY: b' '[PEER] AFTER: c'; do
	b_in_is 1 "$s" || t_fail "'$s' was handled again after attach -d"
done

# The server dies; a new one (same socket, pane ids start over) comes up.
t_tmux kill-server
t_log_wait 10 '.event == "tmux" and .state == "disconnected" and
	(.detail | length) > 0' >/dev/null || t_fail "the dead server was not noticed"
sleep 1
t_tmux new-session -d -c "$T_TMP" -s test -x 80 -y 20 cat || t_fail "cannot restart the server"
t_wait_for 20 connected_n 4 || t_fail "no reconnect to the new server"
b_type "$B_BUS" '[PEER] NEW: e'
b_expect_in 10 1 '[PEER] NEW: e'
for s in '[PEER] BEFORE: a' '[PEER] AWAY: b' '[PEER] AFTER: c' '[PEER] HUMAN: d'; do
	b_in_is 1 "$s" || t_fail "'$s' was handled again after the new server"
done
t_composed_alive || t_fail "composed died"
exit 0
