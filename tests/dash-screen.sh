#!/bin/sh
# dash-screen.sh: the dashboard in a real tmux pane: header, table and footer at 80x24, the `?`
# help overlay, redraws on resize (bigger and smaller), a signal typed with `s` lands in the
# signal log (and the event log as manual), `q` quits with 0 and gives the terminal back.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-dash.sh"
t_need tmux jq
mkdir -p "$T_TMP/empty"

d_start main 80 24 "$T_TMP/empty"
d_wait 10 '^ composed [0-9]' "no header"
d_wait 5 'SERVICE +STATE +HEALTH +UPTIME +RESTARTS +IMAGE +SIZE +TIMELINE' "no table header"
d_wait 5 '── Chain ─' "no chain panel"
d_wait 5 '── Signals ─' "no signal log"
d_wait 5 '\? help .* q quit' "no key hints"
t_wait_for 5 d_size_is 24 80 || t_fail "not drawn at 80x24: $(d_size)"
t_log_has '.event == "start" and .headless == false' || t_fail "started headless in a tmux pane"
# The last row is the footer, the first the header.
d_screen | tail -n 1 | grep -q 'q quit' || t_fail "the footer is not on the last row"
d_screen | head -n 1 | grep -q '^ composed' || t_fail "the header is not on the first row"

# ? shows the help overlay; any key closes it.
d_keys '?'
d_wait 5 'Keys \(any key closes\)' "? did not open the help"
d_wait 2 'restart the selected / every unhealthy service'
d_wait 2 'type a signal, handled as if read from the bus'
d_keys Space
d_wait_gone 5 'Keys \(any key closes\)' "the help did not close"

# Resize: bigger, smaller, back; every time the whole screen follows.
t_tmux resize-window -t main -x 120 -y 40
t_wait_for 5 d_size_is 40 120 || { d_screen >&2; t_fail "no redraw at 120x40: $(d_size)"; }
d_screen | tail -n 1 | grep -q 'q quit' || t_fail "120x40: footer not on the last row"
t_tmux resize-window -t main -x 60 -y 20
t_wait_for 5 d_size_is 20 60 || { d_screen >&2; t_fail "no redraw at 60x20: $(d_size)"; }
d_has 'SERVICE +STATE +HEALTH' || t_fail "60x20: no table header"
d_lacks 'TIMELINE' || t_fail "60x20: columns were not dropped"
t_tmux resize-window -t main -x 80 -y 24
t_wait_for 5 d_size_is 24 80 || { d_screen >&2; t_fail "no redraw back at 80x24"; }
d_has 'TIMELINE' || t_fail "80x24: the timeline column did not come back"

# s: a typed signal is handled like a bus line and shows in the signal log.
d_keys s
d_wait 5 '^signal>' "s did not open the signal prompt"
d_keys -l '[OBSERVE] NOTE: dash test - typed by hand'
d_keys Enter
t_log_wait 10 '.event == "signal_in" and .manual == true and
	.text == "[OBSERVE] NOTE: dash test - typed by hand"' >/dev/null ||
	t_fail "the typed signal was not handled: $(t_log_select '.event | test("signal")')"
d_wait 5 '← \[OBSERVE\] NOTE: dash test - typed by hand +\(manual\)' \
	"the typed signal is not in the signal log"
# A line that is not a signal is shown as ignored (typed lines always show).
d_keys s
d_keys -l 'just words'
d_keys Enter
d_wait 5 '· just words +\(ignored\) +\(manual\)' "the ignored line is not shown"
t_log_has '.event == "signal_ignored" and .text == "just words"' ||
	t_fail "no signal_ignored event"

# q: no chain runs, so composed quits at once with 0 and restores the terminal.
d_keys q
rc=$(d_wait_exit 10)
[ "$rc" = 0 ] || t_fail "q: exit code $rc"
d_terminal_restored
d_wait 5 '^composed exited' "the wrapper did not get the terminal back"
t_log_has '.event == "stop" and .reason == "quit"' || t_fail "no stop event with reason quit"
t_log_has '.event == "exit" and .code == 0' || t_fail "no exit event"
exit 0
