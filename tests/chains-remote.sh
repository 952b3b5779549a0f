#!/bin/sh
# chains-remote.sh: EC2_READY runs remote-deploy on an engine reached over real ssh (a private
# sshd on 127.0.0.1:2222 whose sessions reach the test engine): pull (nothing to pull: every image
# is built locally), up, DEPLOYED line, service_status record. The payload only selects among
# configured environments; a host is accepted only where allowed and matching; the rest is refused
# with an ERROR line. A deploy to an environment without an engine types DEPLOY and waits for
# EC2_READY. Required on v2; on v1 (ssh through docker-py) it works or fails with an ERROR line.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require
t_base_image
PORT=${CT_SSH_PORT:-2222}
ct_sshd_start "$PORT"

# Count successful ssh logins so far.
logins() {
	grep -c 'Accepted publickey' "$CT_SSH/sshd.log" 2>/dev/null || true
}

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "remote-$fl"
	t_compose "$fl" build >/dev/null 2>&1 || t_fail "$fl: build the fixture images"
	rec=$T_TMP/rec-$fl.jsonl
	ct_config "$T_TMP/c-$fl.yml" "$fl" <<EOF2
environments:
  staging:
    docker_host: ssh://root@127.0.0.1:$PORT
  edge:
    docker_host: ssh://root@localhost:$PORT
    allow_host_from_signal: true
    host_pattern: "localhost"
  later:
    docker_host: ssh://root@127.0.0.1:$PORT
    ready: false
triggers:
  - on: EC2_READY
    from: aws-ec2-management
    chain: remote-deploy
  - on: DEPLOY_LATER
    chain: deploy-later
chains:
  deploy-later:
    env: later
    steps:
      - up
      - report: deployed
EOF2
	ct_composed_start -c "$T_TMP/c-$fl.yml" --records "$rec"
	before=$(logins)

	# 1. a configured environment, by name
	t_composed_type "[AWS-EC2] EC2_READY: staging"
	ct_wait_chains 1 180 || t_fail "$fl: remote-deploy did not end within 180 s"
	if ! t_log_has '.event == "chain_end" and .result == "ok"'; then
		[ "$fl" = v1 ] || t_fail "$fl: remote-deploy to staging failed"
		[ "$(ct_out_count '^\\[DOCKER->OBSERVE\\] ERROR: up - .+')" = 1 ] ||
			t_fail "v1: remote-deploy failed without an ERROR line"
		t_say "v1 over ssh fails clearly: $(t_log_select '.event == "signal_out"' | jq -r .text)"
		t_composed_stop >/dev/null
		continue
	fi
	t_log_has '.event == "chain_start" and .env == "staging" and .consumed.type == "ec2_instance"' ||
		t_fail "$fl: chain_start without env/consumed"
	t_log_has '.event == "step_start" and .step == "pull" and .argv == null' ||
		t_fail "$fl: pull should have had nothing to pull"
	[ "$(ct_out_count '^\\[DOCKER->CI-CD\\] DEPLOYED: staging - api,db,worker$')" = 1 ] ||
		t_fail "$fl: no DEPLOYED line: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	[ "$(logins)" -gt "$before" ] || t_fail "$fl: the deploy did not go through sshd"
	jq -e -s 'map(select(.type == "service_status" and .data.env == "staging")) | length == 1' \
		"$rec" >/dev/null || t_fail "$fl: no service_status record for staging"
	[ -n "$(t_container api)" ] || t_fail "$fl: no api container after the deploy"

	# 2. a host named by the signal, accepted by edge (allow_host_from_signal, host_pattern)
	t_composed_type "[AWS-EC2] EC2_READY: localhost"
	ct_wait_chains 2 180 || t_fail "$fl: second deploy did not end"
	t_log_has '.event == "chain_start" and .env == "edge"' || t_fail "$fl: host did not select edge"
	[ "$(ct_out_count '^\\[DOCKER->CI-CD\\] DEPLOYED: edge - api,db,worker$')" = 1 ] ||
		t_fail "$fl: no DEPLOYED line for edge"

	# 3. refused: unknown environment, hosts nobody allows, option-looking hosts
	n=$(t_log_count '.event == "chain_start"')
	for p in "nosuch" "evil.example.com" "staging - other.internal" "-oProxyCommand=x" \
		"root@localhost" "localhost:22"; do
		t_composed_type "[AWS-EC2] EC2_READY: $p"
	done
	t_wait_for 20 sh -c "[ \$(jq -c 'select(.event == \"signal_out\" and (.text | test(\"ERROR: remote-deploy - refused: \")))' '$T_LOG' | wc -l) -ge 6 ]" ||
		t_fail "$fl: expected 6 refusals: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	[ "$(t_log_count '.event == "chain_start"')" = "$n" ] || t_fail "$fl: a refused deploy ran"

	# 4. an environment without an engine: DEPLOY, then EC2_READY runs both deploys there
	t_composed_type "[SIGNAL: DEPLOY_LATER]"
	t_log_wait 20 '.event == "signal_out" and .text == "[DOCKER->AWS-EC2] DEPLOY: later"' >/dev/null ||
		t_fail "$fl: no DEPLOY line"
	t_log_has '.event == "chain_queued" and .chain == "deploy-later" and .awaiting == "later"' ||
		t_fail "$fl: deploy-later not waiting for its engine"
	sleep 1
	[ "$(t_log_count '.event == "chain_start"')" = "$n" ] || t_fail "$fl: deploy-later ran too early"
	t_composed_type "[AWS-EC2] EC2_READY: later"
	ct_wait_chains 4 240 || t_fail "$fl: the deploys to later did not end"
	t_log_has '.event == "chain_start" and .chain == "deploy-later" and .env == "later"' ||
		t_fail "$fl: deploy-later did not run on later"
	[ "$(ct_out_count '^\\[DOCKER->CI-CD\\] DEPLOYED: later - api,db,worker$')" = 2 ] ||
		t_fail "$fl: expected two DEPLOYED lines for later"
	t_log_has '.event == "chain_end" and .result != "ok"' && t_fail "$fl: a deploy failed"
	t_composed_stop >/dev/null
done
exit 0
