#!/bin/sh
# cli.sh: the command line: --help, --version, usage errors exit 2 with a `composed:` message.
. "$top_srcdir/tests/lib.sh"

[ -x "$COMPOSED" ] || t_fail "no binary at $COMPOSED"

# run ARGS...: run composed, keep stdout/stderr in $T_TMP/out, err; set $rc.
run() {
	"$COMPOSED" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	rc=$?
}

# usage_error WHAT ARGS...: composed ARGS must exit 2 with a `composed:` message on stderr.
usage_error() {
	_what=$1
	shift
	run "$@"
	[ "$rc" = 2 ] || t_fail "$_what: exit $rc, want 2"
	head -n 1 "$T_TMP/err" | grep -q '^composed: ' ||
		t_fail "$_what: stderr does not start with 'composed:': $(cat "$T_TMP/err")"
	[ ! -s "$T_TMP/out" ] || t_fail "$_what: printed on stdout: $(cat "$T_TMP/out")"
}

run --help
[ "$rc" = 0 ] || t_fail "--help: exit $rc"
grep -q '^usage: composed' "$T_TMP/out" || t_fail "--help: no usage line on stdout"
for opt in --config --tmux-socket --tmux-socket-path --session --bus --project-directory \
	--file --project-name --headless --log --records --dry-run --check-config \
	--print-config --version --help; do
	grep -q -- "$opt" "$T_TMP/out" || t_fail "--help does not mention $opt"
done
grep -q 'composed send' "$T_TMP/out" || t_fail "--help does not mention composed send"
[ ! -s "$T_TMP/err" ] || t_fail "--help wrote to stderr"
run -h
[ "$rc" = 0 ] || t_fail "-h: exit $rc"

run --version
[ "$rc" = 0 ] || t_fail "--version: exit $rc"
grep -Eq '^composed [0-9]+\.[0-9]+' "$T_TMP/out" || t_fail "--version: $(cat "$T_TMP/out")"
run -V
grep -Eq '^composed [0-9]+\.[0-9]+' "$T_TMP/out" || t_fail "-V: $(cat "$T_TMP/out")"

usage_error "unknown long option" --no-such-option
grep -q 'no-such-option' "$T_TMP/err" || t_fail "unknown option not named: $(cat "$T_TMP/err")"
usage_error "unknown short option" -Z
usage_error "-L with -S" -L a -S /tmp/b
usage_error "--tmux-socket with --tmux-socket-path" --tmux-socket a --tmux-socket-path /tmp/b
usage_error "missing value" --log
usage_error "missing value (short)" -c
usage_error "stray argument" stray
exit 0
