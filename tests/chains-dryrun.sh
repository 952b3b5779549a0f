#!/bin/sh
# chains-dryrun.sh: --dry-run logs each step's argv (dry_run: true) and runs nothing; the project
# is selected the way compose does it (-C / -f / -p); environment selection refuses what is not
# configured or allowed, with an ERROR line, before anything runs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "dry-$fl"
	ct_config "$T_TMP/c-$fl.yml" "$fl" <<'EOF2'
environments:
  staging:
    docker_host: ssh://deploy@127.0.0.1:1
  edge:
    docker_host: ssh://deploy@edge.internal
    allow_host_from_signal: true
    host_pattern: "*.internal"
EOF2
	if [ "$fl" = v2 ]; then
		sel="-C $T_PROJECT_DIR"
	else
		sel="-f $T_PROJECT_DIR/compose.yaml"
	fi
	# started outside the project directory, with an explicit project name
	if [ -f "$T_LOG" ]; then mv "$T_LOG" "$T_LOG.$fl"; fi
	cd "$T_TMP" || t_fail "cd"
	t_composed_start -L "$T_TMUX_SOCKET" -t bus -b "$CT_BUS" -n -c "$T_TMP/c-$fl.yml" $sel \
		-p "$T_PROJECT" --records "$T_TMP/rec-$fl"
	t_log_wait 60 '.event == "compose"' >/dev/null || t_fail "$fl: no compose event"
	t_log_has ".event == \"compose\" and .project == \"$T_PROJECT\" and
		.directory == \"$T_PROJECT_DIR\" and .files == [\"$T_PROJECT_DIR/compose.yaml\"]" ||
		t_fail "$fl: compose event: $(t_log_select '.event == "compose"')"
	t_composed_type "[SIGNAL: TESTS_PASS]"
	ct_wait_chains 1 30 || t_fail "$fl: dry local-test did not end"
	t_log_has '.event == "chain_end" and .result == "ok"' || t_fail "$fl: dry run failed"
	[ "$(t_log_count '.event == "step_start" and .dry_run == true')" = 4 ] ||
		t_fail "$fl: expected 4 dry step_start events"
	t_log_has '.event == "step_start" and .step == "build" and .argv[0:2] == (if "'"$fl"'" == "v2"
		then ["docker","compose"] else ["docker-compose","--ansi"] end)' ||
		t_fail "$fl: build argv: $(t_log_select '.event == "step_start" and .step == "build"')"
	t_log_has ".event == \"step_start\" and .step == \"up\" and (.argv | index(\"$T_PROJECT\")) and
		(.argv | index(\"-d\"))" || t_fail "$fl: up argv lacks -p or -d"
	if [ "$fl" = v2 ]; then
		t_log_has ".event == \"step_start\" and (.argv | index(\"--project-directory\"))" ||
			t_fail "v2: no --project-directory"
	else
		t_log_has ".event == \"step_start\" and (.argv | index(\"-f\"))" || t_fail "v1: no -f"
	fi
	sleep 1	# a line would be typed within milliseconds
	[ "$(ct_out_count '.')" = 0 ] || t_fail "$fl: a dry run typed a line"
	[ -z "$(t_container api)" ] || t_fail "$fl: a dry run created a container"
	[ ! -s "$T_TMP/rec-$fl" ] || t_fail "$fl: a dry run wrote records"

	# environment selection happens before anything would run
	t_composed_type "[AWS-EC2] EC2_READY: staging"
	t_composed_type "[AWS-EC2] EC2_READY: web1.internal"
	ct_wait_chains 3 30 || t_fail "$fl: dry remote-deploys did not end"
	t_log_has '.event == "chain_start" and .env == "staging"' || t_fail "$fl: staging not selected"
	t_log_has '.event == "chain_start" and .env == "edge" and .payload == "web1.internal"' ||
		t_fail "$fl: host did not select edge"
	for p in "prod" "web1.example.com" "staging - web1.internal" "edge - -oProxyCommand=sh" \
		"edge - user@web1.internal" "edge - web1.internal:22" "web1.internal;id"; do
		t_composed_type "[AWS-EC2] EC2_READY: $p"
	done
	t_composed_type "[SIGNAL: DOCKER_STATUS]"	# a barrier: handled after the lines above
	t_log_wait 20 '.event == "signal_in" and .name == "DOCKER_STATUS"' >/dev/null ||
		t_fail "$fl: DOCKER_STATUS not seen"
	t_wait_for 20 sh -c "[ \$(jq -c 'select(.event == \"signal_out\" and (.text | test(\"ERROR: remote-deploy - refused: \")))' '$T_LOG' | wc -l) -ge 7 ]" ||
		t_fail "$fl: expected 7 refusals: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	[ "$(t_log_count '.event == "chain_start"')" = 3 ] || t_fail "$fl: a refused chain started"
	t_composed_stop >/dev/null
done
exit 0
