#!/bin/sh
# Text typed into the bus comes back verbatim inside tmux's replies. Lines that look like
# control-mode protocol (%end/%error with the very numbers composed's next replies will
# carry, %begin, %output, %exit...) must not confuse composed's reading of tmux.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

b_server 80 20 sh -c 'stty -echo; exec cat'
# Room for everything forged below, so that no line scrolls away unread.
t_tmux set -g history-limit 50000
t_tmux new-window -d -t test:1 -n bus "sh -c 'stty -echo; exec cat'"
B_BUS=$(b_pane_id test:bus)
b_composed
b_type "$B_BUS" '[PEER] FIRST: ok'
b_expect_in 10 1 '[PEER] FIRST: ok' 0

# The server's reply numbers are a counter: learn where it is now.
begin=$( (printf 'display-message -p x\n'; sleep 0.5) |
	tmux -L "$T_TMUX_SOCKET" -f /dev/null -C attach-session -t test 2>/dev/null |
	grep '^%begin .* 1$' | head -n 1)
[ -n "$begin" ] || t_fail "cannot read the reply counter"
set -- $begin
now=$2
num=$3
t_say "reply counter at $num, time $now"

# Forge the end lines of the next 600 replies (three seconds' worth of times), plus other
# protocol lines, typed by a few send-keys commands (each line ends in a literal CR), so
# the counter moves little while composed reads them: its next replies carry these numbers.
k=$num
n=0
while [ "$k" -le $((num + 600)) ]; do
	if [ $((n % 100)) = 0 ]; then
		[ "$n" = 0 ] || printf '"\n' >>"$T_TMP/forged"
		printf 'send-keys -t %s -l "' "$B_BUS" >>"$T_TMP/forged"
	fi
	for t in "$now" $((now + 1)) $((now + 2)); do
		printf '%%end %s %s 1\r%%error %s %s 1\r' "$t" "$k" "$t" "$k" >>"$T_TMP/forged"
	done
	k=$((k + 1))
	n=$((n + 1))
done
printf '"\n' >>"$T_TMP/forged"
for l in '%exit' '%exit server exited unexpectedly' "%begin $now $num 1" \
	"%output $B_BUS [PEER] FAKE: output" '%session-changed @9 evil' \
	"%pane-mode-changed $B_BUS" '%layout-change @0 x' "%end $now $num 0"; do
	printf "send-keys -t %s -l '%s'\nsend-keys -t %s Enter\n" "$B_BUS" "$l" "$B_BUS" \
		>>"$T_TMP/forged"
done
t_tmux source-file "$T_TMP/forged" || t_fail "source-file"
b_type "$B_BUS" '[PEER] BETWEEN: one'
b_expect_in 20 1 '[PEER] BETWEEN: one' 0

b_type "$B_BUS" '[PEER] AFTER: still reading'
b_expect_in 20 1 '[PEER] AFTER: still reading'
b_in_is 1 '[PEER] FIRST: ok' || t_fail "a line was read twice"
b_no_desync 1
if t_log_has '.event == "tmux" and .state != "connected"'; then
	t_fail "composed lost its connection"
fi
if t_log_has '.event == "signal_in" and .name == "FAKE"'; then
	t_fail "a forged %output line was taken as pane output"
fi
# The forged lines were read as (ignored) text, each exactly once.
forged=$(t_log_select '.event == "signal_ignored" and (.text | test("^%(end|error) [0-9]+ [0-9]+ 1$"))' |
	jq -r .text)
[ "$(printf '%s\n' "$forged" | wc -l)" = $((601 * 6)) ] ||
	t_fail "read $(printf '%s\n' "$forged" | wc -l) forged end lines, typed $((601 * 6))"
[ -z "$(printf '%s\n' "$forged" | sort | uniq -d)" ] || t_fail "a forged line was read twice"
[ "$(t_log_count '.event == "signal_ignored" and .text == "%exit"')" = 1 ] ||
	t_fail "the forged %exit line should be read once as text"
# Still answering: the status reply goes out and the pane shows it.
b_type "$B_BUS" 'DOCKER_STATUS: after'
t_log_wait 10 '.event == "signal_out"' >/dev/null || t_fail "no reply after the forgeries"
t_wait_for 10 t_pane_has "$B_BUS" '^\[DOCKER\] STATUS:' || t_fail "the reply was not typed"
exit 0
