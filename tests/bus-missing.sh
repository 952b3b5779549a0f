#!/bin/sh
# The bus pane may be missing: a clear error naming the pane (and session), composed keeps
# waiting and reads it once it appears; replies queue meanwhile. composed refuses its own
# pane as the bus (and `composed send` refuses to type into its own pane).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

b_conf
b_server 80 20 cat

# 1. A pane id that does not exist yet: missing, then found when it appears.
B_BUS=%2
t_composed_start -n -c "$B_CONF" -L "$T_TMUX_SOCKET" -b %2
t_log_wait 10 '.event == "tmux" and .state == "bus_missing" and
	(.detail | test("%2"))' >/dev/null || t_fail "no bus_missing event naming %2"
t_composed_alive || t_fail "composed exited"
t_tmux split-window -t test cat
t_tmux split-window -t test cat
[ "$(b_pane_id test:0.2)" = %2 ] || t_say "warning: the third pane is $(b_pane_id test:0.2)"
t_log_wait 15 '.event == "tmux" and .state == "connected" and .bus == "%2"' >/dev/null ||
	t_fail "composed did not find %2 once it appeared"
b_type %2 '[PEER] FOUND: yes'
b_expect_in 10 1 '[PEER] FOUND: yes'
t_composed_stop >/dev/null

# 2. A bus named by window (test:bus): goes away and comes back; replies wait for it.
: >"$T_LOG"
t_tmux new-window -d -t test -n bus cat
t_composed_start -n -c "$B_CONF" -L "$T_TMUX_SOCKET" -t test -b test:bus.0
t_log_wait 10 '.event == "tmux" and .state == "connected"' >/dev/null ||
	t_fail "composed did not connect to test:bus.0"
t_tmux kill-window -t test:bus
t_log_wait 10 '.event == "tmux" and .state == "bus_missing" and
	(.detail | test("test:bus.0")) and (.detail | test("session test"))' >/dev/null ||
	t_fail "no bus_missing event naming the pane and the session"
t_composed_type 'DOCKER_STATUS: while missing'
sleep 1
if t_log_has '.event == "signal_out"'; then
	t_fail "composed typed while the bus was missing"
fi
t_tmux new-window -d -t test -n bus cat
t_log_wait 15 '.event == "tmux" and .state == "connected" and .bus != "%2"' >/dev/null ||
	t_fail "composed did not find the new test:bus.0"
t_log_wait 10 '.event == "signal_out"' >/dev/null || t_fail "the queued reply was not typed"
# (The new pane may still be the shell that starts cat: then the reply comes as : '...'.)
t_wait_for 10 t_pane_has test:bus.0 '\[DOCKER\] STATUS:' || t_fail "the reply is not in the bus"
b_type test:bus.0 '[PEER] BACK: yes'
b_expect_in 10 1 '[PEER] BACK: yes'
t_composed_stop >/dev/null

# 3. Its own pane: refused with an error, composed keeps running.
: >"$T_LOG"
sock=$(t_tmux display-message -p '#{socket_path}')
own=$(b_pane_id test:0.0)
TMUX="$sock,1,0" TMUX_PANE=$own t_composed_start -n -c "$B_CONF" -L "$T_TMUX_SOCKET" -b "$own"
t_log_wait 10 '.event == "error" and (.message | test("own pane"))' >/dev/null ||
	t_fail "composed did not refuse its own pane"
t_log_has '.event == "tmux" and .state == "bus_missing" and (.detail | test("own pane"))' ||
	t_fail "the own-pane refusal should show as bus_missing"
if t_log_has '.event == "tmux" and .state == "connected"'; then
	t_fail "composed used its own pane as the bus"
fi
t_composed_alive || t_fail "composed exited"
t_composed_stop >/dev/null
out=$(TMUX="$sock,1,0" TMUX_PANE=$own "$COMPOSED" send -L "$T_TMUX_SOCKET" -t "$own" \
	'[PEER] SELF: no' 2>&1)
rc=$?
[ "$rc" = 1 ] || t_fail "composed send into its own pane: exit $rc (want 1)"
case $out in *"own pane"*) ;; *) t_fail "composed send: unclear message: $out" ;; esac
if t_pane_has "$own" 'SELF'; then
	t_fail "composed send typed into its own pane"
fi
exit 0
