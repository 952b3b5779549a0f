# tests/lib-chains.sh: helpers for the chains tests (POSIX sh). Source it after tests/lib.sh.
# Every wait is bounded; the sshd started by ct_sshd_start is stopped by pid in the EXIT trap.

CT_SSHD_PID=""
CT_BUS=""

# Print the compose flavors to test ("v2 v1" here); none: skip (CI=true: fail).
ct_flavors() {
	_ct_f=$(t_flavors)
	[ -n "$_ct_f" ] || t_skip --engine "neither compose v2 nor v1 is installed"
	echo "$_ct_f"
}

# Write a test config for FLAVOR to FILE: short timeouts, no healing, no file watching;
# YAML on stdin is appended (top-level keys other than compose/health).
ct_config() {
	{
		cat <<EOF
agent:
  send_delay: 20ms
compose:
  flavor: $2
  timeout: 120s
health:
  auto_restart: false
  watch_files: false
EOF
		cat
	} >"$1" || t_fail "cannot write $1"
}

# Count signal_out events whose text matches the jq regex RE.
ct_out_count() {
	t_log_count ".event == \"signal_out\" and (.text | test(\"$1\"))"
}

# Wait up to TIMEOUT_S until N chain_end events were logged.
ct_wait_chains() {
	t_wait_for "$2" ct_chains_ended "$1"
}

# Whether at least N chain_end events were logged (fails the test if composed died).
ct_chains_ended() {
	[ "$(t_log_count '.event == "chain_end"')" -ge "$1" ] && return 0
	t_composed_alive || t_fail "composed exited"
	return 1
}

# Start a private tmux server whose pane $CT_BUS (running `cat >/dev/null`, so a typed line
# shows once) is the bus; ct_composed_start then connects composed to it.
ct_bus_start() {
	t_tmux_start bus 200 50 sh -c 'exec cat >/dev/null'
	CT_BUS=$(t_tmux display-message -p -t bus '#{pane_id}') || t_fail "no bus pane"
}

# Type LINE into the bus pane as a peer would (text, then Enter).
ct_bus_type() {
	t_tmux send-keys -t "$CT_BUS" -l -- "$1" && t_tmux send-keys -t "$CT_BUS" Enter ||
		t_fail "cannot type into the bus"
}

# Start composed in $T_PROJECT_DIR with ARGS (after stopping a previous one and keeping its
# log), connected to the bus of ct_bus_start if there is one.
ct_composed_start() {
	if [ -n "$T_COMPOSED_PID" ]; then
		t_composed_stop >/dev/null
	fi
	if [ -f "$T_LOG" ]; then
		mv "$T_LOG" "$T_LOG.$(date +%s%N)"
	fi
	cd "$T_PROJECT_DIR" || t_fail "cd $T_PROJECT_DIR"
	if [ -n "$CT_BUS" ]; then
		set -- -L "$T_TMUX_SOCKET" -t bus -b "$CT_BUS" "$@"
	fi
	t_composed_start "$@"
}

# Every container of SERVICES... in $T_PROJECT is healthy.
ct_all_healthy() {
	for _ct_s in "$@"; do
		t_health_is "$_ct_s" healthy || return 1
	done
}

# Start a private sshd on 127.0.0.1:PORT as root: host and client keys made here; an `ssh` first
# in PATH ($T_TMP/bin/ssh = ssh -F our config: our key, our known_hosts, BatchMode) so that the
# docker CLI's ssh never prompts and never reads ~/.ssh; remote sessions get the test engine's
# DOCKER_HOST (sshd SetEnv). Skips if not root or sshd is missing. Changes PATH.
ct_sshd_start() {
	_ct_port=$1
	t_need ssh ssh-keygen
	[ -x /usr/sbin/sshd ] || t_skip --engine "openssh-server (/usr/sbin/sshd) is not installed"
	[ "$(id -u)" = 0 ] || t_skip "sshd for the remote tests must run as root"
	CT_SSH=$T_TMP/ssh
	mkdir -p "$CT_SSH" "$T_TMP/bin" /run/sshd || t_fail "mkdir"
	chmod 700 "$CT_SSH"
	ssh-keygen -q -t ed25519 -N '' -f "$CT_SSH/host_key" || t_fail "ssh-keygen host"
	ssh-keygen -q -t ed25519 -N '' -f "$CT_SSH/client_key" || t_fail "ssh-keygen client"
	cp "$CT_SSH/client_key.pub" "$CT_SSH/authorized_keys"
	cat >"$CT_SSH/sshd_config" <<EOF
Port $_ct_port
ListenAddress 127.0.0.1
HostKey $CT_SSH/host_key
PidFile $CT_SSH/sshd.pid
AuthorizedKeysFile $CT_SSH/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv DOCKER_HOST=${DOCKER_HOST:-unix:///run/composed-engine/docker.sock}
EOF
	{
		printf '[127.0.0.1]:%s ' "$_ct_port"
		cat "$CT_SSH/host_key.pub"
		printf '[localhost]:%s ' "$_ct_port"
		cat "$CT_SSH/host_key.pub"
	} >"$CT_SSH/known_hosts"
	cat >"$CT_SSH/ssh_config" <<EOF
Host 127.0.0.1 localhost
	Port $_ct_port
	User root
Host *
	IdentityFile $CT_SSH/client_key
	IdentitiesOnly yes
	UserKnownHostsFile $CT_SSH/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 10
EOF
	chmod 600 "$CT_SSH/ssh_config" "$CT_SSH/client_key"
	_ct_ssh=$(command -v ssh)
	printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$_ct_ssh" "$CT_SSH/ssh_config" >"$T_TMP/bin/ssh"
	chmod 755 "$T_TMP/bin/ssh"
	PATH=$T_TMP/bin:$PATH
	export PATH
	/usr/sbin/sshd -f "$CT_SSH/sshd_config" -E "$CT_SSH/sshd.log" ||
		t_fail "sshd did not start: $(tail -n 3 "$CT_SSH/sshd.log" 2>/dev/null)"
	t_wait_for 10 test -s "$CT_SSH/sshd.pid" || t_fail "sshd wrote no pid file"
	CT_SSHD_PID=$(cat "$CT_SSH/sshd.pid")
	t_on_exit 'kill "$CT_SSHD_PID" 2>/dev/null'
	ssh 127.0.0.1 true </dev/null ||
		t_fail "ssh to 127.0.0.1:$_ct_port does not work: $(tail -n 5 "$CT_SSH/sshd.log")"
}
