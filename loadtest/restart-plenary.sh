#!/usr/bin/env bash
# Restarts a running Plenary for scenario S8 (`plenary-loadtest restart --restart-command …`):
# sends it SIGTERM (it closes every live socket with 1001 and a resume point), waits until it
# has exited, starts COMMAND in the background with the same environment (so the same database
# and address), writes the new process id to PIDFILE, and returns once READY_URL answers.
#
#     loadtest/restart-plenary.sh PIDFILE LOGFILE READY_URL -- COMMAND [ARGS…]
#
# PIDFILE holds the running server's process id. The new server's output is appended to LOGFILE.
# The old process may be a child of another shell (bench.sh): once it has exited it stays a
# zombie until that shell reaps it, so "gone" here means gone or a zombie.
set -euo pipefail
if (( $# < 5 )) || [[ $4 != -- ]]; then
    echo "usage: $0 PIDFILE LOGFILE READY_URL -- COMMAND [ARGS…]" >&2
    exit 2
fi
pidfile=$1 log=$2 ready=$3
shift 4
old=$(cat "$pidfile")

running() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $state && $state != Z ]]
}

kill -TERM "$old"
# The server's shutdown grace period is 10 s by default; give it a little more.
for _ in $(seq 1 300); do running "$old" || break; sleep 0.05; done
if running "$old"; then
    echo "restart-plenary: $old did not stop; killing it" >&2
    kill -KILL "$old" 2>/dev/null || true
    for _ in $(seq 1 100); do running "$old" || break; sleep 0.05; done
fi
"$@" >>"$log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 1200); do
    if curl -fs -o /dev/null "$ready"; then exit 0; fi
    sleep 0.05
done
echo "restart-plenary: $ready did not answer within 60 s" >&2
exit 1
