#!/bin/sh
# Injection: lines typed into the bus can never become a tmux command, a key or shell syntax.
# The whole list goes into a bash bus and a zsh bus, through `composed send` and through the
# agent's own replies (a status template, reloaded per case; templates cannot hold control
# characters, so those reach the agent's typing only as peer data - the same bus.c writer
# that `composed send` uses). Afterwards: no marker file exists, no tmux option was set, the
# shell is alive and printed no error, and every line shows as inert text.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-bus.sh"
t_need bash jq

M=$T_TMP/m
mkdir -p "$M" "$T_TMP/p" || t_fail mkdir
# Payload N (raw bytes) into $T_TMP/p/N from printf FORMAT ARGS...; KIND A: also sent
# through the agent (no control characters), S: only through composed send.
n=0
payload() {
	n=$((n + 1))
	_k=$1
	shift
	# shellcheck disable=SC2059
	printf -- "$@" >"$T_TMP/p/$n"
	[ "$_k" = A ] && : >"$T_TMP/p/$n.agent"
	return 0
}
payload A 'INJ-1 trailing;'
payload A ';'
payload A 'INJ-3 \\; run-shell "touch %s/m3"' "$M"
payload A 'C-c'
payload A 'Enter'
payload A 'INJ-6 literal \\n and \\r'
payload S 'INJ-7 line1\ntouch %s/m7' "$M"
payload S 'INJ-8 cr\rtouch %s/m8' "$M"
payload S 'INJ-9 esc \033 and \033:!touch x\033[A'
payload S 'INJ-10 paste end \033[201~ after'
payload S 'INJ-11 abc\025touch %s/m11' "$M"
payload S '\004INJ-12 eof'
payload S 'INJ-13 bad utf8 \377\376 \303( end'
payload S 'INJ-14 tab\there bell\007 del\177 c1\302\233x'
payload A 'INJ-15 %s $(touch %s/m15)' "$(head -c 20000 /dev/zero | tr '\0' A)" "$M"
payload A '-INJ-16 -t %%0 --'
payload A 'INJ-17 $(touch %s/m17)' "$M"
payload A 'INJ-18 `touch %s/m18`' "$M"
payload A "INJ-19 it's '; touch %s/m19; '" "$M"
payload A 'INJ-20 say "hi" "; touch %s/m20 "' "$M"
payload A "INJ-21 x' ; run-shell 'touch %s/m21' ; '" "$M"
payload A 'INJ-22 x ; set -g @pwned 1 ; x'
payload A 'INJ-23 ~ $HOME !! * ? [a] # {{x}} %%1 && || > %s/m23' "$M"
count=$n

# Run every payload through composed send into PANE.
via_send() {
	i=1
	while [ "$i" -le "$count" ]; do
		"$COMPOSED" send -L "$T_TMUX_SOCKET" -t "$1" -d 0 -- "$(cat "$T_TMP/p/$i")" \
			>"$T_TMP/send.out" 2>&1 || t_fail "composed send payload $i: $(cat "$T_TMP/send.out")"
		i=$((i + 1))
	done
}

# Whether composed logged N events of kind EV.
events_are() {
	[ "$(t_log_count ".event == \"$1\"")" = "$2" ]
}

# Run the agent-safe payloads through composed's status reply (reload, then ask).
via_agent() {
	i=1
	reloads=0
	outs=$(t_log_count '.event == "signal_out"')
	while [ "$i" -le "$count" ]; do
		if [ -f "$T_TMP/p/$i.agent" ]; then
			b_conf "signals:
  status: $(jq -Rs . <"$T_TMP/p/$i")"
			kill -HUP "$T_COMPOSED_PID"
			reloads=$((reloads + 1))
			t_wait_for 10 events_are config_reload "$reloads" ||
				t_fail "payload $i: config not reloaded: $(t_log_select '.event == "error"' | tail -n 1)"
			t_composed_type 'DOCKER_STATUS: x'
			outs=$((outs + 1))
			t_wait_for 10 events_are signal_out "$outs" || t_fail "payload $i: no reply typed"
			sleep 0.2
		fi
		i=$((i + 1))
	done
}

# The checks after a shell got everything.
check_shell() {
	_p=$1
	sleep 1
	[ -z "$(ls -A "$M")" ] || t_fail "$2: something ran: $(ls "$M")"
	[ -z "$(t_tmux show-options -gqv @pwned)" ] || t_fail "$2: a tmux command ran"
	t_tmux send-keys -t "$_p" -l 'echo ALIVE-$((6*7))' && t_tmux send-keys -t "$_p" Enter
	t_wait_for 10 t_pane_has "$_p" '^ALIVE-42$' || t_fail "$2: the shell is not alive"
	t_tmux capture-pane -p -J -S - -t "$_p" >"$T_TMP/pane"
	if grep -Ei 'syntax error|unexpected|unmatched|parse error|not found|no matches|bad pattern|no such' \
		"$T_TMP/pane" >&2; then
		t_fail "$2: the shell complained (something was not inert)"
	fi
	for k in 1 3 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23; do
		grep -q "INJ-$k\b" "$T_TMP/pane" || t_fail "$2: INJ-$k is not shown"
	done
	grep -q "^.*: 'C-c'$" "$T_TMP/pane" || t_fail "$2: C-c is not shown as text"
	grep -q "^.*: 'Enter'$" "$T_TMP/pane" || t_fail "$2: Enter is not shown as text"
	grep -q "^.*: ';'$" "$T_TMP/pane" || t_fail "$2: a lone ; is not shown as text"
	# zsh draws a long line on rows of its own (not wrapped rows): join them to look.
	tr -d '\n' <"$T_TMP/pane" | grep -o "INJ-15 A*…'" | head -n 1 >"$T_TMP/long"
	[ -s "$T_TMP/long" ] || t_fail "$2: the 20 KB line is not cut with …"
	[ "$(tr -d "\n'" <"$T_TMP/long" | wc -c)" -le 512 ] || t_fail "$2: the 20 KB line is longer than 512 bytes"
}

b_conf
b_server 200 50 env -i PATH=/usr/bin:/bin HOME="$T_TMP" TERM=screen LANG=C.UTF-8 PS1='peer$ ' \
	bash --norc --noprofile
bash_pane=$B_BUS
t_tmux new-window -t test -n z "env -i PATH=/usr/bin:/bin HOME=$T_TMP TERM=screen LANG=C.UTF-8 /usr/bin/zsh -f"
zsh_pane=$(b_pane_id test:z)

b_composed
via_send "$bash_pane"
via_agent
check_shell "$bash_pane" bash
t_log_has '.event == "signal_out" and (.text | startswith("INJ-3 "))' ||
	t_fail "the agent did not type its replies"

if [ -x /usr/bin/zsh ]; then
	t_composed_stop >/dev/null
	: >"$T_LOG"
	b_conf
	B_BUS=$zsh_pane
	b_composed
	via_send "$zsh_pane"
	via_agent
	check_shell "$zsh_pane" zsh
else
	t_say "no zsh: zsh part skipped"
fi
exit 0
