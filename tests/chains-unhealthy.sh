#!/bin/sh
# chains-unhealthy.sh: a service that never turns healthy makes the wait time out (v2: up --wait
# --wait-timeout; v1: the wait_healthy step after up) and types an ERROR line; no READY.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require
t_base_image

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "unhealthy-$fl"
	cp "$top_srcdir/tests/fixtures/chains/never-healthy.yaml" \
		"$T_PROJECT_DIR/compose.override.yaml" || t_fail "copy the override"
	ct_config "$T_TMP/c-$fl.yml" "$fl" <<'EOF2'
chains:
  local-test:
    steps:
      - build
      - up: {wait: true, timeout: 8s}
      - report: started
      - report: ready
EOF2
	ct_composed_start -c "$T_TMP/c-$fl.yml"
	t_composed_type "[SIGNAL: TESTS_PASS]"
	ct_wait_chains 1 180 || t_fail "$fl: local-test did not end within 180 s"
	t_log_has '.event == "chain_end" and .result == "failed"' || t_fail "$fl: the chain did not fail"
	# v2: compose's own --wait, which composed confirms with the health model (compose 2.26
	# sometimes exits 0 at the timeout); v1 has no --wait: a wait_healthy step follows up.
	if [ "$fl" = v2 ]; then
		step='(up|wait_healthy)'
		t_log_has '.event == "step_start" and .step == "up" and (.argv | index("--wait-timeout")) and
			(.argv | index("8"))' || t_fail "v2: no --wait-timeout 8"
	else
		step=wait_healthy
	fi
	t_log_has ".event == \"chain_end\" and (.step | test(\"^$step\$\"))" ||
		t_fail "$fl: did not fail in $step"
	[ "$(ct_out_count "^\\\\[DOCKER->OBSERVE\\\\] ERROR: $step - .+")" = 1 ] ||
		t_fail "$fl: no ERROR line: $(t_log_select '.event == "signal_out"')"
	[ "$(ct_out_count 'STARTED|READY')" = 0 ] || t_fail "$fl: a report ran after the failure"
	t_health_is db starting || t_fail "$fl: db is $(t_health db), not starting"
	t_say "$fl: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	t_composed_stop >/dev/null
done
exit 0
