#!/bin/sh
# health-watch: editing compose.yaml (an editor's rename-replace) recreates what changed and
# types RECREATED; a broken YAML types an ERROR naming compose's message and touches nothing;
# after a user's `down`, a change brings nothing back. Compose v2 and v1.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-health.sh"
t_need jq tmux
t_engine_require

# Replace compose.yaml the way editors do: write a new file, rename it over the old one.
h_edit() {
	sed "$1" "$T_PROJECT_DIR/compose.yaml" >"$T_PROJECT_DIR/.compose.yaml.new" &&
		mv "$T_PROJECT_DIR/.compose.yaml.new" "$T_PROJECT_DIR/compose.yaml" ||
		t_fail "cannot edit compose.yaml"
}

for flavor in $(h_flavors); do
	h_project "watch-$flavor"
	t_compose "$flavor" up -d api idle >/dev/null 2>&1 || t_fail "$flavor: compose up failed"
	h_wait_state 30 api healthy
	h_start "$flavor"
	h_wait_health 20 api health '"healthy"'
	old=$(t_container api)
	idle=$(t_container idle)

	# A changed command: up -d recreates api (only), RECREATED: api.
	h_edit 's/command: \["api"\]/command: ["api", "v2"]/'
	h_wait_said 90 '^\\[DOCKER\\] RECREATED: api$'
	t_log_has '.event == "watch" and .action == "changed" and (.file | endswith("/compose.yaml"))' ||
		t_fail "$flavor: no watch event"
	[ "$(t_container api)" != "$old" ] || t_fail "$flavor: api was not recreated"
	[ "$(t_container idle)" = "$idle" ] || t_fail "$flavor: idle was recreated too"
	h_wait_state 30 api healthy
	chains=$(t_log_count '.event == "chain_start"')

	# Broken YAML: ERROR with compose's message, nothing torn down or recreated.
	cur=$(t_container api)
	cp "$T_PROJECT_DIR/compose.yaml" "$T_TMP/good.yaml"
	printf '  broken: [\n' >>"$T_PROJECT_DIR/compose.yaml"
	h_wait_said 30 '^\\[DOCKER->OBSERVE\\] ERROR: compose.yaml - .+'
	sleep 2
	[ "$(t_log_count '.event == "chain_start"')" = "$chains" ] || t_fail "$flavor: a chain ran on a broken file"
	[ "$(t_container api)" = "$cur" ] || t_fail "$flavor: api changed after a broken edit"
	t_health_is api healthy || t_fail "$flavor: api is $(t_health api) after a broken edit"
	[ "$(h_said_count 'RECREATED')" = 1 ] || t_fail "$flavor: RECREATED typed again"

	# Fixed again (nothing to recreate: no line), then a user's down: changes bring nothing back.
	cp "$T_TMP/good.yaml" "$T_PROJECT_DIR/compose.yaml"
	t_log_wait 60 '.event == "chain_end" and .chain == "recreate"' >/dev/null || t_fail "no recreate chain"
	t_wait_for 60 h_count_ge '.event == "chain_end" and .chain == "recreate"' 2 ||
		t_fail "$flavor: the fixed file did not run up -d"
	t_compose "$flavor" down -t 1 >/dev/null 2>&1 || t_fail "$flavor: compose down failed"
	h_wait_health 20 api state '"removed"'
	chains=$(t_log_count '.event == "chain_start"')
	h_edit 's/"v2"/"v3"/'
	t_log_wait 20 '.event == "heal" and .action == "skipped" and (.reason | test("not up"))' >/dev/null ||
		t_fail "$flavor: no skip logged for a change while down"
	sleep 2
	[ "$(t_log_count '.event == "chain_start"')" = "$chains" ] || t_fail "$flavor: a chain ran while the project was down"
	[ -z "$(t_container api)" ] || t_fail "$flavor: the project came back up"
	[ "$(h_said_count 'RECREATED')" = 1 ] || t_fail "$flavor: RECREATED typed while down"
	h_finish
done
exit 0
