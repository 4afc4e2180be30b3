#!/usr/bin/env bash
# examples/sim_service: the front answers every client after a round trip to the store, over a
# link that reconnects when the store crashes and restarts with its disk; the same seed prints
# the same run; 200 seeds all pass.
set -euo pipefail
build=${1:?usage: sim_service_test.sh BUILD_DIR}
service="$build/examples/sim_service"
fail() { echo "FAIL: $*"; exit 1; }

first=$("$service" --seed 7) || fail "seed 7 exited $?: $first"
second=$("$service" --seed 7)
[[ "$first" == "$second" ]] || fail "the same seed printed two different runs"
echo "$first" | grep -q '^fault .* crash store$' || fail "the store did not crash"
echo "$first" | grep -q '^fault .* restart store$' || fail "the store did not restart"
echo "$first" | grep -q '^clients 10: 200 right, 0 wrong, of 200 asked$' || fail "answers: $(echo "$first" | grep '^clients')"
echo "$first" | grep -Eq '^front: 200 answered after the store, [1-9][0-9]* sent again on a new link, 1 for clients gone, link generation 2$' ||
    fail "front: $(echo "$first" | grep '^front')"
echo "$first" | grep -q '^store: 1 crash(es), 10 values after the last restart$' || fail "store: $(echo "$first" | grep '^store')"
echo "$first" | tail -1 | grep -Eq '^trace [0-9a-f]{16}$' || fail "the last line is not the trace"
other=$("$service" --seed 8 | tail -1)
[[ "$other" != "$(echo "$first" | tail -1)" ]] || fail "seeds 7 and 8 gave the same trace"
for seed in $(seq 100 299); do
    "$service" --seed "$seed" >/dev/null || fail "seed $seed: replay with $service --seed $seed"
done
echo "sim_service: seed 7 replays, 200 more seeds pass"
