#!/bin/sh
# composed does not wake up for other panes' output: a chatty pane (and one that appears
# later) is paused for composed's control client after its first %output line; composed
# uses (almost) no CPU while they print, and still reads the bus.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

chatty="sh -c 'i=0; while :; do i=\$((i+1)); echo tick \$i; sleep 0.02; done'"
b_server 80 30 cat
t_tmux split-window -t test "$chatty"
first=$(b_pane_id test:0.1)
COMPOSED_TMUX_TRACE=$T_TMP/trace
export COMPOSED_TMUX_TRACE
b_composed
t_tmux split-window -t test "$chatty"
second=$(b_pane_id test:0.2)
sleep 1

# CPU ticks (user + system) composed used so far.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$T_COMPOSED_PID/stat"
}
t0=$(ticks)
sleep 4
t1=$(ticks)
hz=$(getconf CLK_TCK)
[ $((t1 - t0)) -le $((hz / 10)) ] ||
	t_fail "composed used $((t1 - t0)) CPU ticks in 4 s while other panes printed"
for p in "$first" "$second"; do
	n=$(grep -c "^< %output $p " "$T_TMP/trace")
	[ "$n" -le 3 ] || t_fail "composed received $n %output lines from $p"
	grep -q "^> refresh-client -A '$p:pause'" "$T_TMP/trace" || t_fail "$p was not paused"
done
last=$(t_tmux capture-pane -p -t "$second" | grep tick | tail -n 1)
[ "${last#tick }" -gt 50 ] 2>/dev/null ||
	t_fail "the chatty pane stopped printing (pausing must not stop it): $last"
b_type "$B_BUS" '[PEER] STILL: reading'
b_expect_in 10 1 '[PEER] STILL: reading'
exit 0
