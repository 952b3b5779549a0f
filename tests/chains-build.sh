#!/bin/sh
# chains-build.sh: ARTIFACTS_READY from CI-CD runs build + image_metrics: one IMAGE line per built
# image, container_image records, the history beside them; a rebuild with one more layer
# reports the deltas (the seed's feedback loop). BUILD_COMPLETE is an alias.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-chains.sh"
t_need jq tmux
t_engine_require
t_base_image

ct_bus_start

for fl in $(ct_flavors); do
	t_say "flavor $fl"
	t_project_new "build-$fl"
	rec=$T_TMP/rec-$fl.jsonl
	ct_config "$T_TMP/c-$fl.yml" "$fl" </dev/null
	ct_composed_start -c "$T_TMP/c-$fl.yml" --records "$rec"
	[ "$fl" = v2 ] && sep=- || sep=_
	img=$T_PROJECT${sep}api

	t_composed_type "[CI-CD] ARTIFACTS_READY: api v1.2.3 - sha 1234"
	ct_wait_chains 1 180 || t_fail "$fl: build did not end within 180 s"
	t_log_has '.event == "chain_end" and .chain == "build" and .result == "ok"' ||
		t_fail "$fl: build failed"
	t_log_has '.event == "chain_start" and .consumed.type == "build_artifact" and
		.consumed.from == "CI-CD" and .consumed.payload == "api v1.2.3 - sha 1234"' ||
		t_fail "$fl: consumed artifact not logged"
	[ "$(ct_out_count '^\\[DOCKER->CI-CD\\] IMAGE: ')" = 3 ] || t_fail "$fl: expected 3 IMAGE lines"
	[ "$(ct_out_count "^\\\\[DOCKER->CI-CD\\\\] IMAGE: $img - [0-9.]+[kMG]?B, [0-9]+ layers, built in [0-9]+(ms|s)\$")" = 1 ] ||
		t_fail "$fl: IMAGE line for $img: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	t_log_has ".event == \"image\" and .image == \"$img\" and .size > 0 and .layers > 0 and
		.size_delta == null" || t_fail "$fl: no image event for $img"
	jq -e -s --arg img "$img" 'map(select(.type == "container_image")) | length == 3 and
		(map(select(.data.image == $img))[0].data | (.size | test("^[0-9.]+[kMG]?B$")) and
		(.layers | type == "number"))' "$rec" >/dev/null || t_fail "$fl: records: $(cat "$rec")"
	jq -e --arg img "$img" '.[$img].layers > 0' "$rec.history.json" >/dev/null ||
		t_fail "$fl: no history for $img"
	layers=$(jq --arg img "$img" '.[$img].layers' "$rec.history.json")

	# logrotate: move the records away, SIGUSR1 reopens them
	mv "$rec" "$rec.1" && mv "$rec.history.json" "$rec.history.json.keep" &&
		cp "$rec.history.json.keep" "$rec.history.json" || t_fail "$fl: rotate"
	kill -USR1 "$T_COMPOSED_PID"
	t_wait_for 10 test -e "$rec" || t_fail "$fl: SIGUSR1 did not reopen the records"

	# one more layer: the next IMAGE line says so
	echo 'RUN ["/bin/sh", "-c", "echo more > /etc/more"]' >>"$T_PROJECT_DIR/Dockerfile"
	t_composed_type "[CI-CD] BUILD_COMPLETE: v1.2.4"
	ct_wait_chains 2 180 || t_fail "$fl: second build did not end within 180 s"
	t_log_has '.event == "chain_end" and .result != "ok"' && t_fail "$fl: a build failed"
	[ "$(ct_out_count "^\\\\[DOCKER->CI-CD\\\\] IMAGE: $img - [0-9.]+[kMG]?B \\\\(\\\\+[0-9.]+[kMG]?B\\\\), $((layers + 1)) layers \\\\(\\\\+1\\\\), built in ")" = 1 ] ||
		t_fail "$fl: no delta line: $(t_log_select '.event == "signal_out"' | jq -r .text)"
	t_log_has ".event == \"image\" and .image == \"$img\" and .layers_delta == 1" ||
		t_fail "$fl: no image event with layers_delta 1"
	[ "$(jq --arg img "$img" '.[$img].layers' "$rec.history.json")" = $((layers + 1)) ] ||
		t_fail "$fl: history not updated"
	[ "$(jq -s 'map(select(.type == "container_image")) | length' "$rec")" = 3 ] ||
		t_fail "$fl: the reopened records file lacks the second build"
	t_say "$fl: $(t_log_select '.event == "signal_out"' | jq -r .text | tail -n 1)"
	t_composed_stop >/dev/null
done
exit 0
