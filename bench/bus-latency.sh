#!/usr/bin/env bash
# bench/bus-latency.sh: the time from a peer's send-keys of a signal to composed's signal_in,
# over N sends (default 200) into a `cat` bus on a private tmux server. Two ways to send:
#   control: one long-lived `tmux -C` client sends each send-keys (no process per send): the
#            bus's own latency (tmux, the pane, composed reading it);
#   client:  a new `tmux send-keys` process per send, as the seed's peers do: adds that
#            client's start-up.
# t0 is $EPOCHREALTIME right before the send-keys is written or started; t1 is the
# signal_in event's ts (ms resolution). Prints median, p90, p99, max and composed's CPU.
#     bench/bus-latency.sh [N]        (COMPOSED=path/to/composed; default ./composed)
set -u
N=${1:-200}
COMPOSED=${COMPOSED:-./composed}
command -v tmux >/dev/null && command -v jq >/dev/null || { echo "needs tmux and jq" >&2; exit 77; }
[ -x "$COMPOSED" ] || { echo "no composed at $COMPOSED (set COMPOSED=)" >&2; exit 1; }
SOCK=composed-bench-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/composed-bench.XXXXXX")
T=(tmux -L "$SOCK" -f /dev/null)
PID=""
CTL=""
cleanup() {
	[ -n "$CTL" ] && kill "$CTL" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	"${T[@]}" kill-server 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
unset TMUX TMUX_PANE

cat >"$TMP/c.yml" <<EOC
agent:
  send_delay: 0
triggers: []
chains: {}
EOC
"${T[@]}" new-session -d -s bench -x 120 -y 40 cat || exit 1
BUS=$("${T[@]}" display-message -p -t bench: '#{pane_id}')
mkfifo "$TMP/in" "$TMP/ctl"
"$COMPOSED" --headless -n -c "$TMP/c.yml" --log "$TMP/log" -L "$SOCK" -b "$BUS" \
	<"$TMP/in" >/dev/null 2>&1 &
PID=$!
exec 9>"$TMP/in"
for ((i = 0; i < 200; i++)); do
	grep -q '"state":"connected"' "$TMP/log" 2>/dev/null && break
	sleep 0.05
done
# The sender's own control client (its output is not needed).
"${T[@]}" -C attach-session -t bench <"$TMP/ctl" >/dev/null 2>&1 &
CTL=$!
exec 8>"$TMP/ctl"
sleep 0.5

# run MODE: N sends, 20 ms apart (a peer does not type 200 lines at once).
run() {
	local mode=$1 i t0 NAME
	NAME=$(echo "$mode" | tr a-z A-Z)
	: >"$TMP/sent.$mode"
	for ((i = 1; i <= N; i++)); do
		t0=$EPOCHREALTIME
		if [ "$mode" = control ]; then
			printf "send-keys -t %s -l '[PEER] %s: %d' ; send-keys -t %s Enter\n" \
				"$BUS" "$NAME" "$i" "$BUS" >&8
		else
			"${T[@]}" send-keys -t "$BUS" -l "[PEER] $NAME: $i" \; send-keys -t "$BUS" Enter
			echo "$(( ${EPOCHREALTIME/./} - ${t0/./} ))" >>"$TMP/client"
		fi
		echo "$i ${t0/./}" >>"$TMP/sent.$mode"
		sleep 0.02
	done
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c "\"name\":\"$NAME\"" "$TMP/log")" -ge "$N" ] && break
		sleep 0.05
	done
}

# report MODE: latency figures for that mode.
report() {
	local mode=$1 NAME
	NAME=$(echo "$mode" | tr a-z A-Z)
	jq -r "select(.event == \"signal_in\" and .name == \"$NAME\") | \"\(.subject) \(.ts)\"" \
		"$TMP/log" | while read -r n ts; do
		echo "$n $(date -d "$ts" +%s%N | cut -c1-16)"
	done | sort -n >"$TMP/got.$mode"
	sort -n "$TMP/sent.$mode" | join - "$TMP/got.$mode" |
		awk '{ printf "%.3f\n", ($3 - $2) / 1000 }' | sort -n >"$TMP/lat.$mode"
	awk -v n="$N" -v mode="$mode" -v got="$(wc -l <"$TMP/got.$mode")" '
		{ v[NR] = $1 }
		END {
			printf "%-8s sends %d, read %d%s; latency ms: median %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
			    mode, n, got, (got == n ? " (each once)" : " (MISMATCH)"),
			    v[int((NR + 1) / 2)], v[int(NR * 0.90 + 0.5)],
			    v[int(NR * 0.99 + 0.5)], v[NR]
		}' "$TMP/lat.$mode"
}

cpu0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
run control
run client
cpu1=$(awk '{print $14 + $15}' "/proc/$PID/stat")
report control
report client
sort -n "$TMP/client" | awk '{ v[NR] = $1 } END { printf "(the tmux send-keys client process alone: median %.1f ms)\n", v[int((NR + 1) / 2)] / 1000 }'
echo "composed CPU for $((2 * N)) signals: $(awk -v c=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", c / hz }') s; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
