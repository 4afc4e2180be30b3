#!/usr/bin/env bash
# TLS echo benchmark: hio's echo_server --tls against bench/asio_ssl_echo_server (Asio's
# ssl::stream) and against hio's plain TCP echo_server, same run, same load generator
# (bench/echo_load --tls), server pinned to CPU 1 and load to CPU 0.
#
# Usage: bench/run_tls_bench.sh BUILD_DIR [SECONDS] [ROUNDS]
# Certificates (ECDSA P-256) are made in a temporary directory for the run. Each scenario runs
# ROUNDS times (default 3), the servers alternating, and the ratios compare medians: on a
# shared or virtual machine one run of either server can be 30% off.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_tls_bench.sh BUILD_DIR [SECONDS] [ROUNDS]}
seconds=${2:-5}
rounds=${3:-3}
tck=$(getconf CLK_TCK)
log=$(mktemp)
pki=$(mktemp -d)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -rf "$log" "$pki"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/key.pem" \
    -out "$pki/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null

declare -A servers=(
    [asio-ssl]="$build/bench/asio_ssl_echo_server --port 0 --cert $pki/cert.pem --key $pki/key.pem"
    [hio-tls]="$build/examples/echo_server --port 0 --quiet --tls --cert $pki/cert.pem --key $pki/key.pem"
    [hio-tcp]="$build/examples/echo_server --port 0 --quiet"
)

start_server() {
    : >"$log"
    taskset -c 1 ${servers[$1]} >"$log" 2>&1 &
    server_pid=$!
    wait_listening "$log" && return 0
    echo "server $1 did not start"; cat "$log"; exit 1
}

declare -A result
printf '%-22s %-9s %12s %9s %9s %9s %14s\n' scenario server "rt/s" "MB/s" "p50 us" "p99 us" "rt/server-CPU-s"
run() {  # $1 scenario name, $2 server, $3.. echo_load arguments
    local name=$1 server=$2
    shift 2
    start_server "$server"
    local before after out rps mbs cpu per_cpu
    before=$(cpu_ticks "$server_pid")
    out=$(taskset -c 0 "$build/bench/echo_load" --port "$port" --seconds "$seconds" --warmup 1 "$@")
    after=$(cpu_ticks "$server_pid")
    stop_server
    rps=$(field rt_per_s "$out")
    mbs=$(field mb_per_s "$out")
    cpu=$(awk -v t=$((after - before)) -v k="$tck" 'BEGIN { printf "%.3f", t / k }')
    per_cpu=$(awk -v r="$rps" -v s="$seconds" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", r * (s + 1) / c; else print "inf" }')
    result[$name,$server]+=" $rps"
    result[$name,$server,mb]+=" $mbs"
    result[$name,$server,cpu]+=" $per_cpu"
    printf '%-22s %-9s %12s %9s %9s %9s %14s\n' "$name" "$server" "$rps" "$mbs" \
        "$(field p50_us "$out")" "$(field p99_us "$out")" "$per_cpu"
}
# Ratio of the medians of two lists of figures.
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

for scenario in "1 conn, 64 B|--connections 1 --size 64" "50 conns, 64 B|--connections 50 --size 64" \
                "1 conn, 64 KiB|--connections 1 --size 65536"; do
    name=${scenario%%|*}
    for _ in $(seq "$rounds"); do
        # shellcheck disable=SC2086
        run "$name" asio-ssl --tls ${scenario#*|}
        # shellcheck disable=SC2086
        run "$name" hio-tls --tls ${scenario#*|}
    done
    echo "$name: hio-tls/asio-ssl $(ratio "${result[$name,hio-tls]}" "${result[$name,asio-ssl]}") round trips/s," \
         "$(ratio "${result[$name,hio-tls,cpu]}" "${result[$name,asio-ssl,cpu]}") per server CPU-second (medians)"
done
for _ in $(seq "$rounds"); do
    run "1 conn, 64 KiB" hio-tcp --connections 1 --size 65536
done
echo "1 conn, 64 KiB: hio-tls/hio-tcp bulk $(ratio "${result[1 conn, 64 KiB,hio-tls,mb]}" "${result[1 conn, 64 KiB,hio-tcp,mb]}") MB/s (medians)"

for _ in $(seq "$rounds"); do
    for server in asio-ssl hio-tls; do
        start_server "$server"
        before=$(cpu_ticks "$server_pid")
        out=$(taskset -c 0 "$build/bench/echo_load" --port "$port" --seconds "$seconds" --handshakes)
        after=$(cpu_ticks "$server_pid")
        stop_server
        hs=$(field handshakes_per_s "$out")
        hs_cpu=$(awk -v h="$hs" -v s="$seconds" -v t=$((after - before)) -v k="$tck" \
            'BEGIN { if (t > 0) printf "%.0f", h * s * k / t; else print "inf" }')
        result[hs,$server]+=" $hs"
        result[hs,$server,cpu]+=" $hs_cpu"
        echo "handshakes, sequential, one client: $server $hs/s, $hs_cpu per server CPU-second"
    done
done
echo "handshakes: hio-tls/asio-ssl $(ratio "${result[hs,hio-tls]}" "${result[hs,asio-ssl]}") per second," \
     "$(ratio "${result[hs,hio-tls,cpu]}" "${result[hs,asio-ssl,cpu]}") per server CPU-second (medians)"
