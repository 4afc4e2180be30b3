#!/usr/bin/env bash
# The HTTP request parser alone, two versions side by side: bench/parser_bench.cpp compiled
# against OLD and NEW hio include directories (-O2, the same llhttp), run alternately for
# ROUNDS rounds of SECONDS per request shape; prints every round and the medians.
#
#   bench/run_parser_bench.sh OLD_INCLUDE NEW_INCLUDE [SECONDS=2] [ROUNDS=3]
#   e.g. git worktree add /tmp/before <commit>; bench/run_parser_bench.sh /tmp/before/include include
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: run_parser_bench.sh OLD_INCLUDE NEW_INCLUDE [SECONDS] [ROUNDS]}
new=${2:?usage: run_parser_bench.sh OLD_INCLUDE NEW_INCLUDE [SECONDS] [ROUNDS]}
seconds=${3:-2}
rounds=${4:-3}
llhttp_src=${LLHTTP_SOURCES:-/usr/share/llhttp}
llhttp_inc=${LLHTTP_INCLUDE:-/usr/share/include/llhttp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for c in "$llhttp_src"/*.c; do
    gcc -O2 -w -c -I"$llhttp_inc" "$c" -o "$work/$(basename "$c" .c).o"
done
for side in old new; do
    include=${!side}
    g++ -std=c++20 -O2 -DNDEBUG -I"$include" -I"$llhttp_inc" bench/parser_bench.cpp "$work"/*.o -o "$work/bench_$side"
done

for round in $(seq 1 "$rounds"); do
    for side in old new; do
        echo "=== round $round: $side"
        "$work/bench_$side" "$seconds" | tee "$work/$side.$round"
    done
done

echo "=== medians (requests/s)"
printf '%-12s %14s %14s %8s\n' shape old new new/old
for shape in "curl GET" "browser GET" "POST 1 KB"; do
    median() {
        grep -h "^$shape " "$work"/"$1".* | awk '{print $(NF-1)}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
    }
    o=$(median old)
    n=$(median new)
    printf '%-12s %14s %14s %7.2fx\n' "$shape" "$o" "$n" "$(echo "$n / $o" | bc -l)"
done
