#!/bin/sh
# Reading a full-screen program (case 3): vim in insert mode draws the typed lines itself;
# each signal is read once, also after vim scrolls its screen.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"
t_need vim

# No terminal queries: their answers make vim redraw and wipe "-- INSERT --" at random.
b_server 80 12 env -i PATH=/usr/bin:/bin HOME="$T_TMP" TERM=screen \
	vim -u NONE -i NONE -N -n -X \
	--cmd 'set t_RV= t_u7= t_RB= t_RF= t_RS= t_RC=' -c startinsert
t_wait_for 30 t_pane_has "$B_BUS" "INSERT" || { t_pane_text "$B_BUS" >&2; t_fail "vim did not start in insert mode"; }
b_composed

b_type "$B_BUS" '[SIGNAL: TESTS_PASS]'
b_expect_in 10 1 '[SIGNAL: TESTS_PASS]'
# More lines than the screen holds: vim scrolls; every one is read once.
i=1
while [ $i -le 15 ]; do
	b_type "$B_BUS" "[PEER] VIM: line $i"
	sleep 0.1
	i=$((i + 1))
done
i=1
while [ $i -le 15 ]; do
	b_expect_in 10 1 "[PEER] VIM: line $i" 0
	i=$((i + 1))
done
sleep 1
[ "$(t_log_count '.event == "signal_in" and (.text | startswith("[PEER] VIM:"))')" = 15 ] ||
	t_fail "vim lines were read more than once"
# The order is kept.
order=$(t_log_select '.event == "signal_in" and (.text | startswith("[PEER] VIM:"))' |
	jq -r '.text | sub(".* "; "")' | tr '\n' ' ')
[ "$order" = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 " ] || t_fail "order: $order"
if t_log_has '.event == "signal_in" and (.text | test("INSERT"))'; then
	t_fail "vim's status line was read as a signal"
fi
b_no_desync 1
exit 0
