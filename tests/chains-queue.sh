#!/bin/sh
# chains-queue.sh: one chain at a time. Three TESTS_PASS during a local-test run lead to exactly
# one more run (coalesced), and another chain asked for meanwhile waits its turn (FIFO).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require
t_base_image

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "queue-$fl"
	ct_config "$T_TMP/c-$fl.yml" "$fl" </dev/null
	ct_composed_start -c "$T_TMP/c-$fl.yml"
	t_log_wait 60 '.event == "compose"' >/dev/null || t_fail "$fl: no compose event"
	t_composed_type "[SIGNAL: TESTS_PASS]"
	t_log_wait 30 '.event == "step_start" and .step == "build"' >/dev/null ||
		t_fail "$fl: the first run did not start"
	t_composed_type "[RUST] TESTS_PASS: again"
	t_composed_type "[CI-CD] ARTIFACTS_READY: api"
	t_composed_type "[SIGNAL: TESTS_PASS] once more"
	t_composed_type "TESTS_PASS: and more"
	ct_wait_chains 3 300 || t_fail "$fl: three chains did not end within 300 s"
	sleep 2	# a wrong extra run would start right away
	starts=$(t_log_select '.event == "chain_start"' | jq -r .chain | tr '\n' ' ')
	[ "$starts" = "local-test local-test build " ] || t_fail "$fl: chains ran: $starts"
	queued=$(t_log_select '.event == "chain_queued"' | jq -r '"\(.chain):\(.coalesced)"' | tr '\n' ' ')
	[ "$queued" = "local-test:false build:false local-test:true local-test:true " ] ||
		t_fail "$fl: chain_queued events: $queued"
	t_log_has '.event == "chain_queued" and .chain == "build" and .pending == ["local-test","build"]' ||
		t_fail "$fl: pending list not logged"
	# the coalesced run takes the latest trigger
	t_log_select '.event == "chain_start"' | sed -n 2p | jq -e '.payload == "and more"' >/dev/null ||
		t_fail "$fl: second run's payload: $(t_log_select '.event == "chain_start"' | sed -n 2p)"
	[ "$(t_log_count '.event == "chain_end" and .result == "ok"')" = 3 ] ||
		t_fail "$fl: not every chain succeeded"
	[ "$(ct_out_count '^\\[DOCKER->CI-CD\\] READY: ')" = 2 ] || t_fail "$fl: expected 2 READY lines"
	t_composed_stop >/dev/null
done
exit 0
