#!/bin/sh
# Reading a `cat` bus (tty echo: each line shows twice): one signal per send (case 1), a
# wrapped signal is joined (case 4), the same signal twice 2 s apart is two (case 7),
# composed's own lines never trigger it (case 8); a `stty -echo` cat and a `cat >/dev/null`
# (echo, no copy) count each send once too.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

b_server 80 20 cat
b_composed

# 1: echo + cat's copy = one signal.
b_type "$B_BUS" '[PEER] HELLO: one'
b_expect_in 10 1 '[PEER] HELLO: one'
[ "$(b_pane_count "$B_BUS" '[PEER] HELLO: one')" = 2 ] ||
	t_fail "the cat bus should show the line twice (echo + copy)"
b_type_seed "$B_BUS" '[SIGNAL: PEER_READY] api,mcp'
b_expect_in 10 1 '[SIGNAL: PEER_READY] api,mcp'

# 4: longer than the pane is wide: wrapped, read back as one line.
long="[PEER] LONG: $(printf 'x%.0s' $(seq 1 150)) - $(printf 'y%.0s' $(seq 1 40))"
b_type "$B_BUS" "$long"
b_expect_in 10 1 "$long"

# 7: the same signal twice, 2 s apart: two signals.
b_type "$B_BUS" '[PEER] AGAIN: same'
b_expect_in 10 1 '[PEER] AGAIN: same' 0
sleep 2
b_type "$B_BUS" '[PEER] AGAIN: same'
b_expect_in 10 2 '[PEER] AGAIN: same'

# 8: composed's own reply (its tag) lands in the bus, twice, and triggers nothing.
b_type "$B_BUS" 'DOCKER_STATUS: please'
b_expect_in 10 1 'DOCKER_STATUS: please' 0
t_log_wait 10 '.event == "signal_out"' >/dev/null || t_fail "no status reply"
t_wait_for 10 t_pane_has "$B_BUS" '^\[DOCKER\] STATUS:' || t_fail "the reply was not typed"
sleep 1
if t_log_has '.event == "signal_in" and .from == "DOCKER"'; then
	t_fail "composed's own line triggered it"
fi
[ "$(t_log_count '.event == "signal_out"')" = 1 ] || t_fail "composed answered itself"

# A cat without echo shows each line once: still one per send.
t_tmux respawn-pane -k -t "$B_BUS" "sh -c 'stty -echo; exec cat'"
sleep 0.5
b_type "$B_BUS" '[PEER] QUIET: once'
b_expect_in 10 1 '[PEER] QUIET: once'
b_type "$B_BUS" '[PEER] QUIET: once'
b_expect_in 10 2 '[PEER] QUIET: once'

# `cat >/dev/null`: the echo shows each line once and nothing copies it, so the same signal
# sent three times in a row is three signals (composed looks at who writes to the pane).
t_tmux respawn-pane -k -t "$B_BUS" "cat >/dev/null"
sleep 0.5
for i in 1 2 3; do
	b_type "$B_BUS" '[PEER] NULLCAT: same'
done
b_expect_in 10 3 '[PEER] NULLCAT: same'

# Nothing typed before or after was read twice.
dups=$(t_log_select '.event == "signal_in"' | jq -r .text | sort | uniq -c |
	awk '$1 > 1 && $0 !~ /AGAIN|QUIET|NULLCAT/')
[ -z "$dups" ] || t_fail "duplicates: $dups"
b_no_desync 1
exit 0
