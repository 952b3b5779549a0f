#!/bin/sh
# chains-local.sh: [SIGNAL: TESTS_PASS] runs local-test (build, up --wait) on compose v2 and v1:
# healthy containers, the STARTED and READY lines, and a service_status record.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require
t_base_image

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "local-$fl"
	ct_config "$T_TMP/c-$fl.yml" "$fl" </dev/null
	ct_composed_start -c "$T_TMP/c-$fl.yml" --records "$T_TMP/rec-$fl.jsonl"
	t_log_wait 60 '.event == "compose"' >/dev/null || t_fail "$fl: no compose event"
	t_log_has ".event == \"compose\" and .flavor == \"$fl\" and .project == \"$T_PROJECT\"" ||
		t_fail "$fl: compose event: $(t_log_select '.event == "compose"')"
	# a peer types the signal into the bus (end to end through tmux)
	t_log_wait 30 '.event == "tmux" and .state == "connected"' >/dev/null ||
		t_fail "$fl: composed did not connect to the bus"
	ct_bus_type "[RUST] TESTS_PASS: all green"
	ct_wait_chains 1 240 || t_fail "$fl: local-test did not end within 240 s"

	t_log_has '.event == "chain_end" and .chain == "local-test" and .result == "ok"' ||
		t_fail "$fl: local-test did not succeed"
	t_log_has '.event == "signal_in" and .name == "TESTS_PASS" and .manual == false' ||
		t_fail "$fl: the signal did not come from the bus"
	t_pane_wait 10 "$CT_BUS" '^\[DOCKER->CI-CD\] READY: api,db,worker$' ||
		t_fail "$fl: the bus pane does not show the READY line"
	ct_all_healthy api db worker || t_fail "$fl: not every service is healthy"
	[ "$(ct_out_count '^\\[DOCKER\\] STARTED: all services running$')" = 1 ] ||
		t_fail "$fl: no STARTED line"
	[ "$(ct_out_count '^\\[DOCKER->CI-CD\\] READY: api,db,worker$')" = 1 ] ||
		t_fail "$fl: no READY line: $(t_log_select '.event == "signal_out"')"
	# STARTED comes before READY, and both after the up step
	order=$(t_log_select '.event == "signal_out" or (.event == "step_end" and .step == "up")' |
		jq -r 'if .event == "step_end" then "up" else (.text | split(":")[0]) end' | tr '\n' ' ')
	case $order in
	"up [DOCKER] STARTED [DOCKER->CI-CD] READY ") ;;
	*) t_fail "$fl: wrong order: $order" ;;
	esac
	# every compose step is an argv in which services would follow "--"; up is detached
	t_log_has '.event == "step_start" and .step == "up" and (.argv | index("-d"))' ||
		t_fail "$fl: up without -d"
	if [ "$fl" = v2 ]; then
		t_log_has '.event == "step_start" and .step == "up" and (.argv | index("--wait"))' ||
			t_fail "v2: up without --wait"
	else
		t_log_has '.event == "step_end" and .step == "wait_healthy" and .exit == 0' ||
			t_fail "v1: no wait_healthy step after up"
	fi
	jq -e -s 'map(select(.type == "service_status")) | length == 1 and
		(.[0].data.services == ["api","db","worker"]) and .[0].data.status == "running"' \
		"$T_TMP/rec-$fl.jsonl" >/dev/null || t_fail "$fl: records: $(cat "$T_TMP/rec-$fl.jsonl")"
	[ "$(jq -s 'map(select(.type == "container_image")) | length' "$T_TMP/rec-$fl.jsonl")" = 3 ] ||
		t_fail "$fl: expected 3 container_image records"
	t_composed_stop >/dev/null
done
exit 0
