#!/bin/sh
# dash-hangup.sh: SIGTERM while the dashboard is up gives the terminal back and exits 0; so
# does a crash (dying of its signal); closing the pane (the terminal goes away) ends composed
# and leaves no process behind.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-dash.sh"
t_need tmux jq
mkdir -p "$T_TMP/empty"

# SIGTERM: the hub stops the loop, then the dashboard restores the terminal.
d_start term 80 24 "$T_TMP/empty"
d_wait 10 'SERVICE +STATE' "no table header"
kill -TERM "$D_PID"
[ "$(d_wait_exit 10)" = 0 ] || t_fail "SIGTERM: exit code not 0"
d_terminal_restored
d_wait 5 '^composed exited' "SIGTERM: the wrapper did not get the terminal back"
t_log_has '.event == "stop" and .signal == 15' || t_fail "SIGTERM: no stop event"

# A crash (SIGABRT, as when allocation fails; SIGSEGV takes the same path) gives the
# terminal back before the process dies of the signal.
d_start crash 80 24 "$T_TMP/empty"
d_wait 10 'SERVICE +STATE' "no table header"
kill -ABRT "$D_PID"
rc=$(d_wait_exit 10)
[ "$rc" = 134 ] || t_fail "SIGABRT: exit code $rc, not 134"
d_terminal_restored
d_wait 5 'terminal restored' "SIGABRT: no message after the crash"

# The pane is closed: composed notices (EIO on stdin, SIGHUP) and exits; nothing is left.
d_start pane 80 24 "$T_TMP/empty"
d_wait 10 'SERVICE +STATE' "no table header"
[ -n "$D_PANE_PID" ] || t_fail "no pane pid"
t_tmux kill-pane -t pane
t_wait_for 10 d_gone || t_fail "composed ($D_PID) still runs after its pane was killed"
t_wait_for 10 eval '[ -z "$(d_leftovers)" ]' ||
	t_fail "processes left in the pane's session: $(d_leftovers)"
t_log_has '.event == "stop" and (.reason == "terminal gone" or .signal == 1)' ||
	t_fail "no stop event for the closed terminal"
t_log_has '.event == "exit"' || t_fail "no exit event after the pane was closed"
exit 0
