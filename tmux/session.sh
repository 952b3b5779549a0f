#!/bin/sh
# session.sh: lay out a coordination session: a quiet bus pane, composed's
# dashboard, and a peer pane. Prints the bus pane id.
#
# usage: session.sh [-L SOCKET] [-s SESSION] [-x COLS] [-y ROWS] \
#            -- COMPOSED_CMD... [--peer PEER_CMD...]
# COMPOSED_CMD gets "-b BUS_PANE" appended. Commands are passed to tmux as
# single shell command strings, so quote them as you would for sh -c.
set -eu

socket=composed
session=coord
cols=200
rows=50
while [ $# -gt 0 ]; do
	case $1 in
	-L) socket=$2; shift 2 ;;
	-s) session=$2; shift 2 ;;
	-x) cols=$2; shift 2 ;;
	-y) rows=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "session.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
composed_cmd=$1
peer_cmd=${2:-}

t() { tmux -L "$socket" -f /dev/null "$@"; }

# The bus: cat without tty echo, so each typed line shows once.
bus=$(t new-session -d -P -F '#{pane_id}' -s "$session" -n coord \
	-x "$cols" -y "$rows" "stty -echo; printf '%s\n' '--- bus ---'; exec cat")
t set-option -t "$session" -g remain-on-exit off >/dev/null
t set-option -t "$session" mouse on >/dev/null
t set-option -t "$session" status-left "[#{session_name}] bus $bus " >/dev/null
t select-pane -t "$bus" -T bus
dash=$(t split-window -v -l 70% -P -F '#{pane_id}' -t "$bus" \
	"$composed_cmd -b '$bus'; echo; echo 'composed exited; press Enter'; read x")
t select-pane -t "$dash" -T composed
if [ -n "$peer_cmd" ]; then
	peer=$(t split-window -h -l 34% -P -F '#{pane_id}' -t "$dash" \
		"$peer_cmd -b '$bus'")
	t select-pane -t "$peer" -T peer
fi
t select-pane -t "$dash"
echo "$bus"
