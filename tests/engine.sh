#!/bin/sh
# engine.sh: scripts/engine reuses a running engine and prints one eval-able line; the base
# image builds and runs; the fixture project comes up healthy, breaks and stops fast, in every
# installed compose flavor.
. "$top_srcdir/tests/lib.sh"
t_need jq
t_engine_require
engine=$top_srcdir/scripts/engine

# With the engine from the environment: exactly one line, which points at a working engine.
bash "$engine" >"$T_TMP/out" 2>"$T_TMP/err" || t_fail "scripts/engine failed: $(cat "$T_TMP/err")"
[ "$(wc -l <"$T_TMP/out")" = 1 ] || t_fail "scripts/engine printed: $(cat "$T_TMP/out")"
line=$(cat "$T_TMP/out")
case $line in
"export DOCKER_HOST=$DOCKER_HOST") ;;
*) t_fail "scripts/engine printed '$line' with DOCKER_HOST=$DOCKER_HOST" ;;
esac
(eval "$line" && timeout 15 docker info >/dev/null 2>&1) || t_fail "the printed line does not work"

# Without DOCKER_HOST: reuse the private engine if that is what answers; twice is harmless.
if [ "$DOCKER_HOST" = "$T_ENGINE_SOCK" ] && ! env -u DOCKER_HOST docker info >/dev/null 2>&1; then
	pid1=$(cat /run/composed-engine/dockerd.pid)
	for i in 1 2; do
		env -u DOCKER_HOST bash "$engine" >"$T_TMP/out" 2>"$T_TMP/err" ||
			t_fail "scripts/engine (run $i) failed: $(cat "$T_TMP/err")"
		[ "$(cat "$T_TMP/out")" = "export DOCKER_HOST=$T_ENGINE_SOCK" ] ||
			t_fail "run $i printed: $(cat "$T_TMP/out")"
		grep -q 'reusing the private engine' "$T_TMP/err" ||
			t_fail "run $i did not say it reuses the engine: $(cat "$T_TMP/err")"
	done
	[ "$(cat /run/composed-engine/dockerd.pid)" = "$pid1" ] || t_fail "dockerd was restarted"
fi
bash "$engine" --status >"$T_TMP/out" 2>&1 || t_fail "--status: $(cat "$T_TMP/out")"
grep -q 'answers' "$T_TMP/out" || t_fail "--status: $(cat "$T_TMP/out")"

# A DOCKER_HOST that does not answer is an error, not silently replaced.
DOCKER_HOST=unix://$T_TMP/none.sock bash "$engine" >"$T_TMP/out" 2>"$T_TMP/err" &&
	t_fail "scripts/engine accepted a dead DOCKER_HOST"
[ ! -s "$T_TMP/out" ] || t_fail "printed a line for a dead DOCKER_HOST: $(cat "$T_TMP/out")"

# The base image: FROM scratch, busybox applets on PATH, a writable /tmp, no network needed.
t_base_image
bash "$engine" --image 2>"$T_TMP/err" || t_fail "--image: $(cat "$T_TMP/err")"
out=$(docker run --rm --network none composed-busybox:latest \
	sh -c 'touch /tmp/x && test -k /tmp && echo ok' 2>&1)
[ "$out" = ok ] || t_fail "base image does not work: $out"

# The fixture project in each flavor: healthy, breaks on demand, crashes on demand, stops fast.
flavors=$(t_flavors)
[ -n "$flavors" ] || t_skip --engine "no compose flavor installed"
for flavor in $flavors; do
	t_project_new "engine-$flavor"
	t_compose "$flavor" up -d >"$T_TMP/up.log" 2>&1 ||
		{ cat "$T_TMP/up.log" >&2; t_fail "$flavor: up -d failed"; }
	for svc in db api worker; do
		t_wait_for 60 t_health_is "$svc" healthy ||
			t_fail "$flavor: $svc is $(t_health "$svc"), not healthy"
	done
	t_break api
	t_wait_for 30 t_health_is api unhealthy || t_fail "$flavor: api did not turn unhealthy"
	t_heal api
	t_wait_for 30 t_health_is api healthy || t_fail "$flavor: api did not recover"
	t_crash worker
	t_wait_for 20 t_health_is worker exited || t_fail "$flavor: worker did not crash"
	code=$(docker inspect -f '{{.State.ExitCode}}' "$(t_container worker)")
	[ "$code" = 3 ] || t_fail "$flavor: worker exit code $code, want 3"
	start=$(t_now_cs)
	t_compose "$flavor" stop >/dev/null 2>&1 || t_fail "$flavor: stop failed"
	took=$(( $(t_now_cs) - start ))
	[ "$took" -lt 800 ] || t_fail "$flavor: stop took ${took}0 ms"
	t_say "$flavor: ok (stop took ${took}0 ms)"
done
exit 0
