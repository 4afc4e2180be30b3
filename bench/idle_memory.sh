#!/usr/bin/env bash
# Memory per idle connection: RSS of a server holding COUNT idle connections, minus its RSS
# before, divided by COUNT; the connections are checked to be still open at the end.
#
# Usage: bench/idle_memory.sh NAME COUNT http|echo SERVER_COMMAND...
#   The server must print "listening on HOST:PORT" on stdout or stderr.
# Example: bench/idle_memory.sh hio 10000 http build-bench/examples/http_server --port 0 \
#              --max-connections 20000 --keep-alive-timeout 600
set -euo pipefail
name=${1:?usage: idle_memory.sh NAME COUNT http|echo SERVER_COMMAND...}
count=${2:?count}
mode=${3:?http or echo}
shift 3
ulimit -n $((count + 200))
log=$(mktemp)
"$@" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
port=
for _ in $(seq 50); do
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log" | head -1)
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || { echo "idle_memory.sh: the server printed no 'listening on' line" >&2; exit 1; }
sleep 0.3
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
coproc HOLD { python3 "$(dirname "$0")/hold_connections.py" "$port" "$count" "$mode"; }
read -r -u "${HOLD[0]}" _ready
sleep 1
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo go >&"${HOLD[1]}"
read -r -u "${HOLD[0]}" verdict
awk -v a="$rss0" -v b="$rss1" -v n="$count" -v s="$name" -v v="$verdict" \
    'BEGIN { printf "%s: %d connections: %.0f B each (%s at the end)\n", s, n, (b - a) * 1024 / n, v }'
