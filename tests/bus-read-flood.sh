#!/bin/sh
# 1,000 different signals within about a second, scrolling far past the screen (case 5):
# none lost, none duplicated, all in order; with the default history-limit (2000) and with
# a small one (300), where tmux drops history while composed reads.
# The bus is `stty -echo; cat`: with tty echo, a burst of typed input interleaves the
# kernel's echo with cat's copy inside the rendered rows themselves (what the pane shows is
# garbled), which no reader of rendered text can undo.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"

# Send signals FIRST..LAST to PANE in 10 batches (one tmux client each), 0.1 s apart.
flood() {
	_f_i=$2
	while [ "$_f_i" -le "$3" ]; do
		_f_end=$((_f_i + ($3 - $2 + 1) / 10 - 1))
		: >"$T_TMP/batch"
		while [ "$_f_i" -le "$_f_end" ]; do
			printf "send-keys -t %s -l '[PEER] FLOOD: %s'\nsend-keys -t %s Enter\n" \
				"$1" "$_f_i" "$1" >>"$T_TMP/batch"
			_f_i=$((_f_i + 1))
		done
		t_tmux source-file "$T_TMP/batch" || t_fail "source-file"
		sleep 0.1
	done
}

# Whether N flood signals were read.
flood_count_is() {
	[ "$(t_log_count '.event == "signal_in" and .name == "FLOOD"')" = "$1" ]
}

# Check that exactly signals FIRST..LAST were read, each once, in order.
flood_check() {
	t_wait_for 30 flood_count_is "$(($2 - $1 + 1 + ${3:-0}))" ||
		t_fail "read $(t_log_count '.event == "signal_in" and .name == "FLOOD"') flood signals"
	sleep 1
	t_log_select '.event == "signal_in" and .name == "FLOOD"' | jq -r .subject |
		tail -n $(($2 - $1 + 1)) >"$T_TMP/got"
	seq "$1" "$2" >"$T_TMP/want"
	cmp -s "$T_TMP/want" "$T_TMP/got" || {
		diff "$T_TMP/want" "$T_TMP/got" | head -n 20 >&2
		t_fail "flood $1..$2: lost, duplicated or out of order"
	}
}

b_server 80 24 sh -c 'stty -echo; exec cat'
b_composed
flood "$B_BUS" 1 1000
flood_check 1 1000
[ "$(t_tmux display-message -p -t "$B_BUS" '#{history_size}')" -gt 900 ] ||
	t_fail "the flood did not scroll into history"

# A small history-limit: tmux drops the oldest 30 rows at a time while the flood scrolls.
t_tmux set -g history-limit 300
t_tmux new-window -d -t test:1 -n small "sh -c 'stty -echo; exec cat'"
small=$(b_pane_id test:small)
t_composed_stop >/dev/null
: >"$T_LOG"
B_BUS=$small
b_composed
flood "$B_BUS" 1001 2000
flood_check 1001 2000
if t_log_has '.event == "error" and .where == "bus"'; then
	t_fail "the reader reported lost lines"
fi
b_no_desync 1
exit 0
