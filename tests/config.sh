#!/bin/sh
# config.sh: --check-config and --print-config from the command line, and
# where composed finds its config ($COMPOSED_CONFIG, ./composed.yml, XDG).
set -u

: "${COMPOSED:=${top_builddir:-.}/composed}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-config.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

failed=0
# Report one failed check and carry on.
fail() {
	echo "FAIL: $*" >&2
	failed=$((failed + 1))
}

# Run composed in $tmp/run with a clean environment: no config anywhere.
mkdir -p "$tmp/run" "$tmp/home" "$tmp/xdg"
run() {
	(cd "$tmp/run" && env -u COMPOSED_CONFIG HOME="$tmp/home" \
	    XDG_CONFIG_HOME="$tmp/xdg" "$COMPOSED" "$@")
}

# -- a broken file: FILE:LINE:COL on stderr, exit 2, nothing on stdout ------
printf 'agent:\n  name: DOCKER\n bus: "%%1"\n' > "$tmp/broken.yml"
run -c "$tmp/broken.yml" --check-config > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || fail "broken file: exit $rc, want 2"
[ ! -s "$tmp/out" ] || fail "broken file: stdout not empty"
grep -q "^$tmp/broken.yml:3:2: " "$tmp/err" ||
	fail "broken file: no FILE:LINE:COL: $(cat "$tmp/err")"

# -- a near miss: the suggestion ----------------------------------------------
printf 'health:\n  auto_restart: true\n  grase: 5s\n' > "$tmp/typo.yml"
run -c "$tmp/typo.yml" --check-config 2> "$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || fail "typo: exit $rc, want 2"
grep -qxF "$tmp/typo.yml:3:3: unknown key 'grase' in health (did you mean 'grace'?)" \
    "$tmp/err" || fail "typo: $(cat "$tmp/err")"

# -- a bad value and a dangling reference, both reported --------------------
cat > "$tmp/bad.yml" <<'EOF'
compose:
  flavor: v3
triggers:
  - on: TESTS_PASS
    chain: local-tests
EOF
run -c "$tmp/bad.yml" --check-config 2> "$tmp/err"
[ $? -eq 2 ] || fail "bad values: exit status"
grep -q "bad.yml:2:11: compose.flavor: 'v3'" "$tmp/err" ||
	fail "bad values: flavor: $(cat "$tmp/err")"
grep -q "bad.yml:5:12: triggers\[1\].chain: there is no chains.local-tests (did you mean 'local-test'?)" \
    "$tmp/err" || fail "bad values: chain: $(cat "$tmp/err")"

# -- control characters in the file never reach the terminal ----------------
printf 'agent:\n  "\\e]2;pwned\\a": 1\n' > "$tmp/ctrl.yml"
run -c "$tmp/ctrl.yml" --check-config 2> "$tmp/err"
[ $? -eq 2 ] || fail "control: exit status"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/err"; then
	fail "control: raw control bytes in the error"
fi

# -- an empty file is the defaults --------------------------------------------
: > "$tmp/empty.yml"
out=$(run -c "$tmp/empty.yml" --check-config) || fail "empty file refused"
[ "$out" = "$tmp/empty.yml: ok" ] || fail "empty file: '$out'"

# -- --print-config with no config shows the seed's defaults ------------------
run --print-config > "$tmp/defaults.yml" || fail "print-config failed"
for line in \
    '  name: DOCKER' \
    '  bus: "%1"' \
    '  send_delay: 500ms' \
    '  flavor: auto' \
    '  - on: TESTS_PASS' \
    '    from: rust-development' \
    '    chain: local-test' \
    '  - on: [ARTIFACTS_READY, BUILD_COMPLETE, BUILD_ARTIFACTS_READY]' \
    '    from: ci-cd-pipeline' \
    '  - on: EC2_READY' \
    '    chain: remote-deploy' \
    '  - on: DOCKER_STATUS' \
    '    action: status' \
    '  - on: DOCKER_RESET' \
    '    action: reset' \
    '      - up: {wait: true, timeout: 5m}' \
    '  auto_restart: true' \
    '  grace: 10s' \
    '  backoff: {initial: 10s, max: 5m, reset_after: 10m}' \
    '  started: "[{tag}] STARTED: all services running"' \
    '  ready: "[{tag}->CI-CD] READY: {services}"' \
    '  deployed: "[{tag}->CI-CD] DEPLOYED: {env} - {services}"' \
    '  deploy: "[{tag}->AWS-EC2] DEPLOY: {env}"' \
    '  error: "[{tag}->OBSERVE] ERROR: {subject} - {details}"' \
    '  health_fail: "[{tag}] HEALTH_FAIL: {service} - {details}"'; do
	grep -qxF "$line" "$tmp/defaults.yml" ||
		fail "print-config: missing line: $line"
done
head -n 1 "$tmp/defaults.yml" | grep -q '^# ' || fail "print-config: no header"

# -- the round trip: print, check, print again --------------------------------
out=$(run -c "$tmp/defaults.yml" --check-config) ||
	fail "round trip: the printed defaults do not check"
[ "$out" = "$tmp/defaults.yml: ok" ] || fail "round trip: '$out'"
run -c "$tmp/defaults.yml" --print-config > "$tmp/again.yml"
cmp -s "$tmp/defaults.yml" "$tmp/again.yml" ||
	fail "round trip: second print differs"

# A user config merged over the defaults round-trips too.
cat > "$tmp/user.yml" <<'EOF'
agent: {name: OPS, bus: "coord:0.1"}
environments:
  staging: {docker_host: "ssh://deploy@staging.internal", ssh_user: deploy}
chains:
  deploy:
    env: staging
    steps: [pull, {up: {wait: true, services: [api]}}, {report: deployed}]
health:
  services: {db: {auto_restart: false}}
EOF
run -c "$tmp/user.yml" --print-config > "$tmp/user1.yml" || fail "user: print"
grep -qxF '  name: OPS' "$tmp/user1.yml" || fail "user: name not merged"
grep -qxF '  send_delay: 500ms' "$tmp/user1.yml" || fail "user: default lost"
grep -qxF '  - on: TESTS_PASS' "$tmp/user1.yml" || fail "user: triggers lost"
run -c "$tmp/user1.yml" --print-config > "$tmp/user2.yml" ||
	fail "user: printed config does not load"
cmp -s "$tmp/user1.yml" "$tmp/user2.yml" || fail "user: round trip differs"

# -- discovery: $COMPOSED_CONFIG, ./composed.yml, $XDG_CONFIG_HOME ------------
mkdir -p "$tmp/xdg/composed"
printf 'agent: {name: XDG}\n' > "$tmp/xdg/composed/composed.yml"
out=$(run --check-config) || fail "xdg: refused"
[ "$out" = "$tmp/xdg/composed/composed.yml: ok" ] || fail "xdg: '$out'"
run --print-config | grep -qxF '  name: XDG' || fail "xdg: not used"

printf 'agent: {name: HOME}\n' > "$tmp/home-config.yml"
mkdir -p "$tmp/home/.config/composed"
cp "$tmp/home-config.yml" "$tmp/home/.config/composed/composed.yml"
out=$(cd "$tmp/run" && env -u COMPOSED_CONFIG -u XDG_CONFIG_HOME \
    HOME="$tmp/home" "$COMPOSED" --check-config) || fail "home: refused"
[ "$out" = "$tmp/home/.config/composed/composed.yml: ok" ] ||
	fail "home: '$out'"

printf 'agent: {name: LOCAL}\n' > "$tmp/run/composed.yml"
out=$(run --check-config) || fail "./composed.yml: refused"
[ "$out" = "composed.yml: ok" ] || fail "./composed.yml: '$out'"
run --print-config | grep -qxF '  name: LOCAL' || fail "./composed.yml: not used"

printf 'agent: {name: ENV}\n' > "$tmp/env.yml"
out=$(cd "$tmp/run" && COMPOSED_CONFIG="$tmp/env.yml" HOME="$tmp/home" \
    "$COMPOSED" --print-config | grep '^  name: ')
[ "$out" = "  name: ENV" ] || fail "COMPOSED_CONFIG: '$out'"

# -c wins over $COMPOSED_CONFIG.
out=$(cd "$tmp/run" && COMPOSED_CONFIG="$tmp/env.yml" "$COMPOSED" \
    -c "$tmp/typo.yml" --check-config 2>&1)
case $out in
*"typo.yml:3:3"*) ;;
*) fail "-c over COMPOSED_CONFIG: '$out'" ;;
esac

# A COMPOSED_CONFIG that does not exist is an error, not a silent fallback.
(cd "$tmp/run" && COMPOSED_CONFIG="$tmp/missing.yml" "$COMPOSED" \
    --check-config) > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || fail "missing COMPOSED_CONFIG: exit $rc, want 2"
grep -q "missing.yml" "$tmp/err" || fail "missing COMPOSED_CONFIG: $(cat "$tmp/err")"

# -c of a file that does not exist: exit 2.
run -c "$tmp/nope.yml" --check-config 2> "$tmp/err"
[ $? -eq 2 ] || fail "-c missing: exit status"
grep -q "nope.yml: No such file" "$tmp/err" || fail "-c missing: $(cat "$tmp/err")"

if [ "$failed" -gt 0 ]; then
	echo "config.sh: $failed check(s) failed" >&2
	exit 1
fi
echo "config.sh: all checks passed"
exit 0
