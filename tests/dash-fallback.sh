#!/bin/sh
# dash-fallback.sh: when the terminal cannot draw, composed runs headless instead: TERM=dumb,
# a TERM without a terminfo entry, and no tty at all; the terminal is left as it was.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-dash.sh"
t_need tmux jq
mkdir -p "$T_TMP/empty"

# TERM=dumb: one readable line per event, lines typed on stdin are handled as signals.
d_start dumb 80 24 "$T_TMP/empty" TERM=dumb
t_log_has '.event == "start" and .headless == true' || t_fail "TERM=dumb: not headless"
d_wait 10 '^[0-9:.]+Z start +\{"version"' "TERM=dumb: no headless output"
d_lacks 'SERVICE +STATE' || t_fail "TERM=dumb: the dashboard was drawn"
d_keys -l '[OBSERVE] NOTE: fallback - typed'
d_keys Enter
t_log_wait 10 '.event == "signal_in" and .manual == true' >/dev/null ||
	t_fail "TERM=dumb: a typed line was not handled"
d_keys C-c
[ "$(d_wait_exit 10)" = 0 ] || t_fail "TERM=dumb: C-c did not exit 0"
t_log_has '.event == "stop" and .signal == 2' || t_fail "TERM=dumb: no stop on SIGINT"
d_terminal_restored

# A terminal curses does not know: the dashboard cannot start, headless takes over.
d_start unknown 80 24 "$T_TMP/empty" TERM=composed-no-such-terminal
t_log_wait 10 '.event == "error" and .where == "dash"' >/dev/null ||
	t_fail "unknown TERM: no error event"
d_wait 10 '^[0-9:.]+Z error +\{"where":"dash"' "unknown TERM: no headless output"
d_keys C-c
[ "$(d_wait_exit 10)" = 0 ] || t_fail "unknown TERM: C-c did not exit 0"
d_terminal_restored

# No tty at all: headless on stdout.
mv "$T_LOG" "$T_LOG.unknown"
(cd "$T_TMP/empty" && exec "$COMPOSED" --log "$T_LOG" </dev/null >"$T_TMP/notty.out" \
	2>"$T_TMP/notty.err") &
T_COMPOSED_PID=$!
t_log_wait 10 '.event == "start"' >/dev/null || t_fail "no tty: no start event"
t_log_has '.event == "start" and .headless == true' || t_fail "no tty: not headless"
t_wait_for 5 grep -q '^[0-9:.]*Z start  *{"version"' "$T_TMP/notty.out" ||
	t_fail "no tty: no headless output: $(cat "$T_TMP/notty.out")"
kill -TERM "$T_COMPOSED_PID"
t_wait_for 10 t_composed_gone || t_fail "no tty: SIGTERM did not stop composed"
wait "$T_COMPOSED_PID"
rc=$?
T_COMPOSED_PID=""
[ "$rc" = 0 ] || t_fail "no tty: SIGTERM: exit code $rc"
grep -q "$(printf '\033')" "$T_TMP/notty.out" && t_fail "no tty: escapes on stdout"
exit 0
