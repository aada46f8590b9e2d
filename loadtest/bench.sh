#!/usr/bin/env bash
# Runs the load-test scenarios against a fresh release Plenary (SQLite, demo data), the Rust
# reference broadcast server and the Node.js `ws` server, on one machine, and keeps every
# report as JSON. See docs/BENCHMARKS.md.
#
#     loadtest/bench.sh                                  # 1,000 participants, one run
#     N=10000 RUNS=3 RATES=5,10,20,40,80 loadtest/bench.sh   # S1, S4 (all three), S5, S2/S3, S6-S8
#     N=10000 SCENARIOS="s1 s6 s7" loadtest/bench.sh         # only these, S8
#     python3 loadtest/summarize.py bench-results/<time>  # the tables, medians over the runs
#     JOIN_RATE=0 N=10000 SCENARIOS=s2s3 loadtest/bench.sh   # S2 with every join at once
#
# Every run starts fresh servers (a new database for Plenary), so memory per connection is
# measured from a clean process each time. Servers are pinned to core 0 and the load generator
# to core 1 (taskset) when there are two or more cores.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
RUNS=${RUNS:-1}
RATES=${RATES:-10,50,100,200,400}
# S2's participants arrive at this many a second (the target's rate); 0 starts them all at once.
JOIN_RATE=${JOIN_RATE:-2500}
SCENARIOS=" ${SCENARIOS:-s1 s4 s5 s2s3 s6 s7 s8} "
want() { [[ $SCENARIOS == *" $1 "* ]]; }
OUT=${OUT:-bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN=$TARGET_DIR/release
mkdir -p "$OUT"
ulimit -n 20000

cargo build --release -q -p plenary -p plenary-loadtest
if [[ ! -d loadtest/node/node_modules/ws ]]; then
    (cd loadtest/node && npm install --no-audit --no-fund -q)
fi

SERVER_CPU=(); LOAD_CPU=()
if (( $(nproc) >= 2 )); then SERVER_CPU=(taskset -c 0); LOAD_CPU=(taskset -c 1); fi
LT=("${LOAD_CPU[@]}" "$BIN/plenary-loadtest")

PIDS=()
stop_servers() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    # A Plenary restarted by S8 is not this shell's child: `wait` cannot wait for it, so watch
    # it go (a zombie counts as gone), for at most 15 s.
    for p in "${PIDS[@]}"; do
        for _ in $(seq 1 150); do
            [[ $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1) =~ ^[^Z] ]] || break
            sleep 0.1
        done
    done
    PIDS=()
}
trap stop_servers EXIT

# Stops the reference and Node.js relays of this run (stop_servers then skips them).
stop_relays() {
    local p kept=()
    kill "$REFERENCE_PID" "$NODE_PID" 2>/dev/null || true
    wait "$REFERENCE_PID" "$NODE_PID" 2>/dev/null || true
    for p in "${PIDS[@]}"; do
        [[ $p == "$REFERENCE_PID" || $p == "$NODE_PID" ]] || kept+=("$p")
    done
    PIDS=("${kept[@]}")
}

# Starts the three servers; sets PLENARY_PID, REFERENCE_PID, NODE_PID, SESSION and the cookie.
start_servers() {
    local run=$1 data port
    # A server left over from another run would answer in place of the fresh one, whose
    # figures (CPU, memory) would then be read from a process that exited at once.
    for port in 8090 9001 9002; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "something already listens on port $port: stop it first" >&2
            exit 1
        fi
    done
    data=$(mktemp -d)
    export PLENARY__DATABASE__DATA_DIR=$data PLENARY__SERVER__BIND=127.0.0.1:8090
    export PLENARY__LIMITS__JOINS_PER_MINUTE_PER_ADDRESS=100000000
    # A browser answers pings while its page is busy; the generator's sockets sit unread during
    # a long join storm, so give them 3 × 60 s instead of 3 × 15 s before a 4000 close.
    export PLENARY__LIVE__PING_SECONDS=60
    PLENARY_PASSWORD='load test passphrase' "$BIN/plenary" create-organizer \
        --email load@example.org --name Load >/dev/null
    "${SERVER_CPU[@]}" "$BIN/plenary" >"$OUT/plenary-$run.log" 2>&1 &
    PLENARY_PID=$!; PIDS+=("$PLENARY_PID")
    "${SERVER_CPU[@]}" "$BIN/plenary-loadtest" reference-server --bind 127.0.0.1:9001 2>/dev/null &
    REFERENCE_PID=$!; PIDS+=("$REFERENCE_PID")
    "${SERVER_CPU[@]}" node loadtest/node/ws-broadcast.mjs 127.0.0.1 9002 2>/dev/null &
    NODE_PID=$!; PIDS+=("$NODE_PID")
    for _ in $(seq 1 60); do curl -fs http://127.0.0.1:8090/readyz >/dev/null && break; sleep 1; done
    # An organizer's login cookie, and the demo's annual DC-COS session.
    PLENARY_LOADTEST_COOKIE=$(curl -s -o /dev/null -D - -H 'Sec-Fetch-Site: same-origin' \
        --data-urlencode email=load@example.org --data-urlencode 'password=load test passphrase' \
        http://127.0.0.1:8090/login | sed -n 's/^set-cookie: \(__Host-plenary-staff=[^;]*\).*/\1/Ip')
    export PLENARY_LOADTEST_COOKIE
    SESSION=$(curl -s http://127.0.0.1:8090/api/events/igf-2025/sessions?per_page=100 \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(s["session_id"] for s in d["items"] if s["title"].startswith("Dynamic Coalition on Child Online Safety: annual")))')
}

echo "results in $OUT; $N participants; $RUNS run(s); rates $RATES"
for run in $(seq 1 "$RUNS"); do
    start_servers "$run"
    if want s1; then
        "${LT[@]}" idle --target reference --reference-url ws://127.0.0.1:9001/ws --participants "$N" \
            --server-pid "$REFERENCE_PID" --duration 20 --json "$OUT/s1-reference-$run.json"
        "${LT[@]}" idle --target reference --reference-url ws://127.0.0.1:9002/ws --participants "$N" \
            --server-pid "$NODE_PID" --duration 20 --json "$OUT/s1-node-$run.json"
        "${LT[@]}" idle --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
            --server-pid "$PLENARY_PID" --duration 20 --json "$OUT/s1-plenary-$run.json"
    fi
    if want s4; then
        "${LT[@]}" ramp --target reference --reference-url ws://127.0.0.1:9001/ws --participants "$N" \
            --rates "$RATES" --server-pid "$REFERENCE_PID" --json "$OUT/s4-reference-$run.json"
        "${LT[@]}" ramp --target reference --reference-url ws://127.0.0.1:9002/ws --participants "$N" \
            --rates "$RATES" --server-pid "$NODE_PID" --json "$OUT/s4-node-$run.json"
        # Nothing after S4 uses the two relays, and one that fell behind goes on sending its
        # backlog on core 0 long after its ramp ended (Node.js at 40-80/s): stop both before
        # Plenary's scenarios, so that Plenary has its core to itself.
        stop_relays
        "${LT[@]}" ramp --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
            --rates "$RATES" --server-pid "$PLENARY_PID" --json "$OUT/s4-plenary-$run.json"
    fi
    if want s5; then
        "${LT[@]}" votes --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
            --server-pid "$PLENARY_PID" --json "$OUT/s5-plenary-$run.json"
    fi
    if want s2s3; then
        "${LT[@]}" fanout --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
            --rate 10 --duration 10 --join-rate "$JOIN_RATE" \
            --server-pid "$PLENARY_PID" --json "$OUT/s2s3-plenary-$run.json"
    fi
    # S6 then S7 on the same server: S7's session holds S6's questions too.
    if want s6; then
        "${LT[@]}" mixed --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
            --duration 30 --server-pid "$PLENARY_PID" --json "$OUT/s6-plenary-$run.json"
    fi
    if want s7; then
        "${LT[@]}" mixed --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
            --duration 60 --slow-percent 5 --server-pid "$PLENARY_PID" --json "$OUT/s7-plenary-$run.json"
    fi
    if ! want s8; then stop_servers; continue; fi
    # S8 on fresh servers: the scenarios before it leave hundreds of questions in the session,
    # and 10,000 snapshots of that at once is another test (a join storm on a big session).
    if want s1 || want s4 || want s5 || want s2s3 || want s6 || want s7; then
        stop_servers
        start_servers "$run"
    fi
    # S8 last, since it replaces the Plenary process: restart-plenary.sh stops it and starts a
    # new one (same environment, so the same database and address) and leaves its pid in the
    # pid file, for stop_servers.
    echo "$PLENARY_PID" >"$OUT/plenary-$run.pid"
    restart_command=$(printf '%q ' loadtest/restart-plenary.sh "$OUT/plenary-$run.pid" \
        "$OUT/plenary-$run.log" http://127.0.0.1:8090/readyz -- "${SERVER_CPU[@]}" "$BIN/plenary")
    # From four source addresses. From one, the generator's reconnects searched that address's
    # 28,000 ephemeral ports, thousands held by live sockets and the closes' TIME_WAIT, for a
    # free one: 53% of its CPU went to that in the kernel and the run measured the generator
    # (docs/BENCHMARKS.md, S8). A real audience comes from as many addresses as people.
    s8=0
    "${LT[@]}" restart --session "$SESSION" --server http://127.0.0.1:8090 --participants "$N" \
        --rate 5 --before 10 --after 5 --restart-command "$restart_command" \
        --source-addresses 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4 \
        --json "$OUT/s8-plenary-$run.json" || s8=$?
    if [[ $(cat "$OUT/plenary-$run.pid") != "$PLENARY_PID" ]]; then
        PLENARY_PID=$(cat "$OUT/plenary-$run.pid"); PIDS+=("$PLENARY_PID")
    fi
    if (( s8 != 0 )); then echo "S8 failed (exit $s8)" >&2; exit "$s8"; fi
    stop_servers
done
echo "done: $OUT"
