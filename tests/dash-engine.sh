#!/bin/sh
# dash-engine.sh: the dashboard against the real engine and the fixture project: the services,
# their states and health words appear; `r` restarts the selected service in Docker (a manual
# chain) and the row shows it (uptime back to seconds, a longer health timeline).
# Needs the health module (rows) and the chains module (the restart) wired into the hub.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-dash.sh"
t_need tmux jq
t_engine_require
t_flavor_require v2
t_base_image
t_project_new dash
t_compose v2 up -d --build >"$T_TMP/up.log" 2>&1 ||
	{ cat "$T_TMP/up.log" >&2; t_fail "up -d failed"; }
for svc in db api worker; do
	t_wait_for 30 t_health_is "$svc" healthy || t_fail "$svc is $(t_health "$svc")"
done
cat >"$T_TMP/c.yml" <<EOF2
compose:
  flavor: v2
  timeout: 120s
health:
  auto_restart: false
  watch_files: false
EOF2

d_start eng 100 30 "$T_PROJECT_DIR" DOCKER_HOST="$DOCKER_HOST" \
	COMPOSE_PROJECT_NAME="$T_PROJECT" -- -c "$T_TMP/c.yml"
d_wait 30 "project $T_PROJECT" "the header does not name the project"
d_wait 30 'engine ● ' "no engine in the header"
for svc in api db worker; do
	d_wait 60 "^[^ ]+ +$svc +running +healthy " \
		"no healthy row for $svc (are health events wired into the hub?)"
done
d_wait 5 '3 services' "the header does not count 3 services"

# The api row, and how many timeline cells it has.
api_row() {
	d_screen | grep -E "^[^ ]+ +api +" | head -n 1
}
api_cells() {
	api_row | grep -o '█\|▅\|▂\|✖' | wc -l | tr -d ' '
}
cells=$(api_cells)
before=$(docker inspect -f '{{.State.StartedAt}}' "$(t_container api)")
sleep 1	# uptimes are whole seconds: let the old one pass 0s

# g selects the first row (api: rows are sorted by name); r restarts it.
d_keys g
d_keys r
d_wait 5 'restart api requested' "r did not ask for a restart of api"
t_log_wait 60 '.event == "chain_start" and .manual == true' >/dev/null ||
	t_fail "r: no manual chain started"
t_log_wait 120 '.event == "chain_end"' >/dev/null || t_fail "r: the chain did not end"
t_log_has '.event == "chain_end" and .result == "ok"' ||
	t_fail "r: the restart chain failed: $(t_log_select '.event == "chain_end"')"
t_log_has '.event == "step_start" and (.argv | index("restart")) and (.argv | index("api"))' ||
	t_fail "r: no compose restart of api: $(t_log_select '.event == "step_start"')"
after=$(docker inspect -f '{{.State.StartedAt}}' "$(t_container api)")
[ "$after" != "$before" ] || t_fail "r: api was not restarted in Docker ($before)"

# The row shows it: healthy again, a fresh uptime, more timeline cells.
d_wait 60 '^[^ ]+ +api +running +healthy +[0-9]+s ' "the api row does not show the restart"
t_wait_for 30 eval '[ "$(api_cells)" -gt "$cells" ]' ||
	t_fail "the api timeline did not grow ($cells cells): $(api_row)"
d_wait 5 'last [a-z-]+ ✔ ok' "the chain panel does not show the result"
d_keys q
[ "$(d_wait_exit 10)" = 0 ] || t_fail "q did not exit 0"
d_terminal_restored
exit 0
