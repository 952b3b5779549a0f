#!/bin/sh
# Reading a shell bus (case 2): bash and zsh show the prompt before the line and print
# "command not found" after it; the signal is read once, the noise is ignored.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"
t_need bash

b_server 100 20 env -i PATH=/usr/bin:/bin HOME="$T_TMP" TERM=screen PS1='peer@bus:~$ ' \
	bash --norc --noprofile
b_composed

b_type_seed "$B_BUS" '[SIGNAL: TESTS_PASS]'
b_expect_in 10 1 '[SIGNAL: TESTS_PASS]'
t_wait_for 5 t_pane_has "$B_BUS" 'command not found' ||
	t_fail "bash did not complain (is it a bash bus?)"
b_type "$B_BUS" '[CI-CD->DOCKER] ARTIFACTS_READY: api,worker'
b_expect_in 10 1 '[CI-CD->DOCKER] ARTIFACTS_READY: api,worker'
b_type "$B_BUS" 'EC2_READY: staging'
b_expect_in 10 1 'EC2_READY: staging'
# The prompt is not part of the signal, the raw line keeps it.
t_log_has '.event == "signal_in" and .text == "EC2_READY: staging" and
	(.raw | startswith("peer@bus:~$ "))' || t_fail "raw should keep the prompt"
# bash's complaints are not signals.
t_log_has '.event == "signal_ignored" and (.text | test("command not found"))' ||
	t_fail "bash's noise should be logged as signal_ignored"
if t_log_has '.event == "signal_in" and (.text | test("command not found"))'; then
	t_fail "bash's noise was read as a signal"
fi

# zsh (no rc files: prompt "host% ").
if [ -x /usr/bin/zsh ]; then
	t_tmux new-window -t test -n z "env -i PATH=/usr/bin:/bin HOME=$T_TMP TERM=screen /usr/bin/zsh -f"
	Z=$(b_pane_id test:z)
	t_composed_stop >/dev/null
	: >"$T_LOG"
	B_BUS=$Z
	b_composed
	sleep 0.5
	b_type_seed "$Z" '[RUST] TESTS_PASS: 42 tests'
	b_expect_in 10 1 '[RUST] TESTS_PASS: 42 tests'
	b_type "$Z" '[SIGNAL: EC2_READY] staging'
	b_expect_in 10 1 '[SIGNAL: EC2_READY] staging'
	t_wait_for 5 t_pane_has "$Z" '^zsh: ' || t_fail "zsh did not complain"
fi
b_no_desync 1
exit 0
