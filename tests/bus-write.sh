#!/bin/sh
# Writing to the bus: lines go out whole and in order (never interleaved), wait while a human
# is in copy-mode and are then delivered in order, wait (at most ~2 s) while a peer has a
# half-typed line, and signal_out carries the Enter delay. The bus is a `cat` with tty echo
# (each line shows twice): without echo a peer's half-typed text is invisible.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

B_DELAY=300ms
b_conf
b_server 100 40 cat
b_composed
reply_re='^\[DOCKER\] STATUS: [0-9]+/[0-9]+ healthy - .*[a-z]$'

# How many whole reply lines the bus shows (each reply shows twice: echo and cat's copy).
replies() {
	t_tmux capture-pane -p -J -S - -t "$B_BUS" | grep -cE "$reply_re"
}

# Whether the bus shows N whole reply lines.
replies_are() {
	[ "$(replies)" = "$1" ]
}

# Whether composed logged N signal_out events.
outs_are() {
	[ "$(t_log_count '.event == "signal_out"')" = "$1" ]
}

# Four replies at once: one after the other, each line whole (text, 300 ms, Enter).
for i in 1 2 3 4; do
	t_composed_type 'DOCKER_STATUS: burst'
done
t_wait_for 15 replies_are 8 || t_fail "expected 8 whole reply lines, the pane shows $(replies)"
sleep 0.5
replies_are 8 || t_fail "more replies than asked for"
[ "$(t_tmux capture-pane -p -J -S - -t "$B_BUS" | grep -c 'DOCKER')" = 8 ] ||
	t_fail "reply lines were interleaved or split"
t_log_has '.event == "signal_out" and .pane == "'"$B_BUS"'" and .delay_ms == 300' ||
	t_fail "signal_out should carry pane and delay_ms"

# Copy-mode: held while the human scrolls, then delivered in order.
t_tmux copy-mode -t "$B_BUS"
b_in_mode "$B_BUS" || t_fail "the bus did not enter copy-mode"
t_composed_type 'DOCKER_STATUS: held 1'
t_composed_type 'DOCKER_STATUS: held 2'
sleep 2
outs_are 4 || t_fail "composed typed into copy-mode"
b_in_mode "$B_BUS" || t_fail "typing knocked the pane out of copy-mode"
replies_are 8 || t_fail "a reply reached the pane during copy-mode"
t_tmux send-keys -t "$B_BUS" -X cancel
t_wait_for 15 replies_are 12 || t_fail "held replies were not delivered after copy-mode"
outs_are 6 || t_fail "expected 6 signal_out"

# A peer's half-typed line: composed waits for its Enter.
t_tmux send-keys -t "$B_BUS" -l '[PEER] HALF: typing'
sleep 0.3
t_composed_type 'DOCKER_STATUS: wait'
sleep 1
outs_are 6 || t_fail "composed typed into a half-typed line"
t_tmux send-keys -t "$B_BUS" Enter
t_wait_for 10 replies_are 14 || t_fail "the reply did not follow the peer's Enter"
[ "$(t_tmux capture-pane -p -J -S - -t "$B_BUS" | grep -c '^\[PEER\] HALF: typing$')" = 2 ] ||
	t_fail "the peer's line was disturbed"

# A peer that never presses Enter: composed goes ahead after about 2 s.
t_tmux send-keys -t "$B_BUS" -l '[PEER] STUCK'
sleep 0.3
t_composed_type 'DOCKER_STATUS: stuck'
sleep 1.2
outs_are 7 || t_fail "composed did not wait for the stuck line"
t_wait_for 6 outs_are 8 || t_fail "composed waited for ever"
t_wait_for 10 t_pane_has "$B_BUS" '^\[PEER\] STUCK\[DOCKER\] STATUS:' ||
	t_fail "the reply should follow the stuck text"
b_no_desync 1
exit 0
