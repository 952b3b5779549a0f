#!/bin/sh
# dash-nocolor.sh: NO_COLOR gives a screen without colour escapes (capture-pane -e), overlay
# included; without it the same screen has colours (so the check can fail).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-dash.sh"
t_need tmux jq
mkdir -p "$T_TMP/empty"

# Colour first: the check below must be able to see colours at all.
d_start colour 80 24 "$T_TMP/empty" NO_COLOR=
d_wait 10 'SERVICE +STATE' "no table header"
[ -n "$(d_colour_escapes)" ] || {
	t_tmux capture-pane -p -e -t colour | od -c | head -n 20 >&2
	t_fail "no colour escapes without NO_COLOR: the test cannot tell"
}
d_keys q
[ "$(d_wait_exit 10)" = 0 ] || t_fail "q did not exit 0"

d_start plain 80 24 "$T_TMP/empty" NO_COLOR=1
d_wait 10 'SERVICE +STATE' "no table header"
d_wait 5 '\? help .* q quit' "no key hints"
found=$(d_colour_escapes)
[ -z "$found" ] || t_fail "NO_COLOR=1: colour SGR parameters on screen: $(echo $found)"
d_keys '?'
d_wait 5 'Keys \(any key closes\)' "no help overlay"
found=$(d_colour_escapes)
[ -z "$found" ] || t_fail "NO_COLOR=1: colours in the help overlay: $(echo $found)"
# Attributes still work without colour: the table header is in reverse video.
t_tmux capture-pane -p -e -t plain | grep -q "$(printf '\033')\[[0-9;]*7[;m]" ||
	t_fail "NO_COLOR=1: no reverse video at all"
d_keys Space
d_keys q
[ "$(d_wait_exit 10)" = 0 ] || t_fail "q did not exit 0"
d_terminal_restored
exit 0
