#!/usr/bin/env bash
# walkthrough.sh runs the README's first-screen walkthrough, the commands
# between the <!-- walkthrough:begin --> and <!-- walkthrough:end --> markers,
# exactly as written, so the README cannot drift from what they do.
#
# It runs them with HOME in a fresh temporary folder (so ~/.ternd is empty),
# whose ternd.conf moves the regtest ports to free ones in a [regtest]
# section (WALK_P2P_PORT and WALK_RPC_PORT, random ones when unset): ternd and
# ternctl both read them from there. A `make run` line starts in the
# background; every other line must exit 0, and a line whose comment starts
# with a number must print that number first. The node must have stopped
# (the walkthrough ends with `stop`) with status 0. Run it from anywhere:
#
#	scripts/walkthrough.sh          # or: make walkthrough
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
readme="$root/README.md"
p2p_port=${WALK_P2P_PORT:-$((20000 + RANDOM % 20000))}
rpc_port=${WALK_RPC_PORT:-$((40000 + RANDOM % 20000))}

# The Go caches stay where they are: only ~/.ternd is to be fresh.
export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
home=$(mktemp -d)
node_pid=
cleanup() {
	if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
		kill -TERM -- "-$node_pid" 2>/dev/null || true
		# A node stops within seconds; a build interrupted or a stuck
		# process is killed so that the script always ends.
		for _ in $(seq 1 100); do
			kill -0 "$node_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$node_pid" 2>/dev/null || true
		wait "$node_pid" 2>/dev/null || true
	fi
	rm -rf "$home"
}
trap cleanup EXIT
export HOME="$home"
mkdir -p "$HOME/.ternd"
printf '[regtest]\nport=%s\nrpcport=%s\n' "$p2p_port" "$rpc_port" >"$HOME/.ternd/ternd.conf"

fail() {
	echo "walkthrough: $*" >&2
	if [ -f "$home/node.out" ]; then
		echo "--- node output ---" >&2
		tail -n 40 "$home/node.out" >&2
	fi
	exit 1
}

mapfile -t lines < <(awk '
	/<!-- walkthrough:begin -->/ { on = 1; next }
	/<!-- walkthrough:end -->/ { on = 0 }
	on && /^```/ { fence = !fence; next }
	on && fence && NF' "$readme")
[ "${#lines[@]}" -gt 0 ] || fail "no commands between the walkthrough markers of $readme"

for line in "${lines[@]}"; do
	cmd=${line%%  #*}
	cmd=${cmd%"${cmd##*[![:space:]]}"}
	comment=
	[ "$cmd" != "$line" ] && comment=${line#*  # }
	echo "\$ $cmd"
	if [[ $cmd == "make run"* ]]; then
		setsid bash -c "$cmd" >"$home/node.out" 2>&1 &
		node_pid=$!
		# As a reader does, the second terminal's commands wait for make
		# run to have built the binaries and started the node (then
		# -rpcwait waits for its RPC server).
		for _ in $(seq 1 3000); do
			grep -q "ternd version" "$home/node.out" 2>/dev/null && break
			kill -0 "$node_pid" 2>/dev/null || fail "\`$cmd\` ended before the node started"
			sleep 0.1
		done
		grep -q "ternd version" "$home/node.out" || fail "\`$cmd\` did not start the node within 300 s"
		continue
	fi
	out=$(bash -c "$cmd" 2>&1) || fail "\`$cmd\` failed: $out"
	[ -n "$out" ] && echo "$out"
	want=${comment%%[ ,:]*}
	if [[ $want =~ ^[0-9]+$ ]]; then
		got=$(printf '%s\n' "$out" | head -n 1)
		[ "$got" = "$want" ] || fail "\`$cmd\` printed $got, the README says $want"
	fi
done

[ -n "$node_pid" ] || fail "the walkthrough starts no node (make run)"
for _ in $(seq 1 300); do
	kill -0 "$node_pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$node_pid" 2>/dev/null && fail "the node is still running after the walkthrough"
status=0
wait "$node_pid" || status=$?
node_pid=
[ "$status" -eq 0 ] || fail "the node exited with status $status"
grep -q "(mined here)" "$home/node.out" || fail "the node did not log its mined blocks"
echo "walkthrough: README commands ran on a fresh data dir; the node stopped cleanly"
