#!/bin/sh
# chains-broken.sh: a build that fails (a broken Dockerfile) types an ERROR line with the exit
# code and the last stderr line, and nothing after the build runs (no up, no STARTED).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require
t_base_image

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "broken-$fl"
	cp "$top_srcdir/tests/fixtures/chains/Dockerfile.broken" "$T_PROJECT_DIR/Dockerfile" ||
		t_fail "copy the broken Dockerfile"
	ct_config "$T_TMP/c-$fl.yml" "$fl" </dev/null
	ct_composed_start -c "$T_TMP/c-$fl.yml"
	t_composed_type "[SIGNAL: TESTS_PASS]"
	ct_wait_chains 1 180 || t_fail "$fl: local-test did not end within 180 s"
	t_log_has '.event == "chain_end" and .result == "failed" and .step == "build"' ||
		t_fail "$fl: the chain did not fail in build"
	t_log_has '.event == "step_end" and .step == "build" and .exit != 0' ||
		t_fail "$fl: build step_end without a failing exit"
	[ "$(ct_out_count '^\\[DOCKER->OBSERVE\\] ERROR: build - exit [0-9]+: .+')" = 1 ] ||
		t_fail "$fl: no ERROR line: $(t_log_select '.event == "signal_out"')"
	t_log_has '.event == "step_start" and .step == "up"' && t_fail "$fl: up ran after a failed build"
	[ "$(ct_out_count 'STARTED|READY')" = 0 ] || t_fail "$fl: a report ran after the failure"
	[ -z "$(t_container api)" ] || t_fail "$fl: a container exists"
	t_say "$fl: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	t_composed_stop >/dev/null
done
exit 0
