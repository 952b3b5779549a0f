# composed.tmux: tmux key bindings for a coordination session with composed.
# Load it from ~/.tmux.conf:
#     source-file /usr/local/share/composed/tmux/composed.tmux
#
# prefix + D   make the current pane the bus and open composed (its dashboard)
#              in a split beside it, in the current pane's directory
# prefix + M-d the same, with the dashboard in a new window

bind-key D split-window -h -c '#{pane_current_path}' "composed -b '#{pane_id}'"
bind-key M-d new-window -n composed -c '#{pane_current_path}' "composed -b '#{pane_id}'"
