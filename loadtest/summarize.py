#!/usr/bin/env python3
"""Prints the Markdown tables of docs/BENCHMARKS.md from one bench.sh results folder.

    python3 loadtest/summarize.py bench-results/20261129T060000Z

Every figure is the median over the runs in the folder (files named <scenario>-<server>-<run>.json),
so three runs give the median of three. Standard library only.
"""

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

SERVERS = ["reference", "node", "plenary"]
NAMES = {"reference": "Rust reference", "node": "Node.js ws", "plenary": "Plenary"}


def load(folder: Path):
    runs = defaultdict(list)
    for path in sorted(folder.glob("*.json")):
        scenario, server, _run = path.stem.rsplit("-", 2)
        runs[(scenario, server)].append(json.loads(path.read_text()))
    return runs


def med(values):
    """The median of the values that were measured (None: not read, e.g. no --server-pid)."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def idle(runs):
    print(
        "| server | runs | connected | RSS per connection, 3 s after joining "
        "| at the end of the idle period | idle CPU (% of a core) |"
    )
    print("|---|---|---|---|---|---|")
    for server in SERVERS:
        reports = runs.get(("s1", server), [])
        if not reports:
            continue
        per = med([r["bytes_per_connection"] for r in reports])
        end = med([r.get("bytes_per_connection_at_end", 0) for r in reports])
        cpu = med([r["idle_cpu_percent_of_a_core"] for r in reports])
        connected = med([r["connected"] for r in reports])
        errors = sum(r["errors"] for r in reports)
        print(
            f"| {NAMES[server]} | {len(reports)} | {connected:,.0f} ({errors} errors) "
            f"| {per:,.0f} B | {end:,.0f} B | {cpu:.2f} |"
        )


def ramp(runs):
    print(
        "| server | rate/s | delivered/s | server CPU s | frames per CPU-second "
        "| latency p50 / p99 ms | last receive p99 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    problems = []
    for server in SERVERS:
        reports = runs.get(("s4", server), [])
        if not reports:
            continue
        lost = sum(r["lost"] + r["duplicated"] + r["errors"] for r in reports)
        problems.append(f"{NAMES[server]} {lost}")
        for i, step in enumerate(reports[0]["steps"]):
            steps = [r["steps"][i] for r in reports if i < len(r["steps"])]
            print(
                f"| {NAMES[server]} | {step['rate']} "
                f"| {fmt(med([s['delivered_per_second'] for s in steps]), ',.0f')} "
                f"| {fmt(med([s['server_cpu_seconds'] for s in steps]), '.2f')} "
                f"| {fmt(med([s['delivered_per_server_cpu_second'] for s in steps]), ',.0f')} "
                f"| {fmt(med([s['latency_ms']['p50'] for s in steps]), '.1f')} / "
                f"{fmt(med([s['latency_ms']['p99'] for s in steps]), '.1f')} "
                f"| {fmt(med([s['last_receive_ms']['p99'] for s in steps]), '.1f')} |"
            )
    print("\nLost + duplicated + errors over all runs: " + ", ".join(problems) + ".")


def fanout(runs):
    reports = runs.get(("s2s3", "plenary"), [])
    if not reports:
        return
    print(
        "| participants | runs | arrivals/s | joins/s | join → snapshot p50 / p99 ms "
        "| publish → receive p50 / p99 ms | publish → last receive p99 ms | lost / dup | server CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rate = reports[0].get("join_rate")
    print(
        f"| {reports[0]['participants']:,} | {len(reports)} "
        f"| {f'{rate:,.0f}' if rate else 'all at once'} "
        f"| {fmt(med([r['joins_per_second'] for r in reports]), ',.0f')} "
        f"| {fmt(med([r['snapshot_ms']['p50'] for r in reports]), ',.0f')} / "
        f"{fmt(med([r['snapshot_ms']['p99'] for r in reports]), ',.0f')} "
        f"| {fmt(med([r['latency_ms']['p50'] for r in reports]), '.1f')} / "
        f"{fmt(med([r['latency_ms']['p99'] for r in reports]), '.1f')} "
        f"| {fmt(med([r['last_receive_ms']['p99'] for r in reports]), '.1f')} "
        f"| {sum(r['lost'] for r in reports)} / {sum(r['duplicated'] for r in reports)} "
        f"| {fmt(med([r['server_cpu_seconds'] for r in reports]), '.2f')} |"
    )


def votes(runs):
    reports = runs.get(("s5", "plenary"), [])
    if not reports:
        return
    print(
        "| votes/s | acked / sent | ack p50 / p99 ms | server CPU s "
        "| frames per client per second (median) |"
    )
    print("|---|---|---|---|---|")
    for i, step in enumerate(reports[0]["steps"]):
        steps = [r["steps"][i] for r in reports if i < len(r["steps"])]
        cpu = [s["server_cpu_seconds"] for s in steps]
        print(
            f"| {step['rate']:,} | {sum(s['acked'] for s in steps):,} / {sum(s['sent'] for s in steps):,} "
            f"| {fmt(med([s['ack_ms']['p50'] for s in steps]), ',.0f')} / "
            f"{fmt(med([s['ack_ms']['p99'] for s in steps]), ',.0f')} "
            f"| {fmt(med(cpu), '.2f')} "
            f"| {fmt(med([s['frames_per_client_per_second_p50'] for s in steps]), '.1f')} |"
        )
    lost = sum(r["lost_votes"] for r in reports)
    unanswered = sum(r["unanswered"] for r in reports)
    stale50 = med([r["tally_staleness_ms"]["p50"] for r in reports])
    stale99 = med([r["tally_staleness_ms"]["p99"] for r in reports])
    print(
        f"\n{len(reports)} runs of {reports[0]['participants']:,} participants and "
        f"{reports[0]['questions']} questions: lost votes {lost}, unanswered {unanswered}; "
        f"tally staleness p50 {fmt(stale50, ',.0f')} ms, p99 {fmt(stale99, ',.0f')} ms."
    )


def mixed(runs):
    rows = [(name, runs.get((name, "plenary"), [])) for name in ("s6", "s7")]
    if not any(reports for _, reports in rows):
        return
    print(
        "| scenario | runs | healthy / slow | visible to all p50 / p99 ms | every delivery p50 / p99 ms "
        "| vote ack p50 / p99 ms | vote in tallies p99 ms | server CPU ms per operation "
        "| resumes (by snapshot) | lost / dup / lost votes / not seen by all |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, reports in rows:
        if not reports:
            continue
        p = lambda key, q: med([r[key][q] for r in reports])
        print(
            f"| {name.upper()} | {len(reports)} | {reports[0]['healthy']:,} / {reports[0]['slow']:,} "
            f"| {p('visible_all_ms', 'p50'):,.0f} / {p('visible_all_ms', 'p99'):,.0f} "
            f"| {p('delivery_ms', 'p50'):,.0f} / {p('delivery_ms', 'p99'):,.0f} "
            f"| {p('vote_ack_ms', 'p50'):,.0f} / {p('vote_ack_ms', 'p99'):,.0f} "
            f"| {p('vote_visible_ms', 'p99'):,.0f} "
            f"| {fmt(med([r['server_cpu_ms_per_operation'] for r in reports]), '.2f')} "
            f"| {sum(r['reconnects'] + r['server_closes'] for r in reports)} "
            f"({sum(r['snapshot_resumes'] for r in reports)}) "
            f"| {sum(r['lost'] for r in reports)} / {sum(r['duplicated'] for r in reports)} / "
            f"{sum(r['lost_votes'] for r in reports)} / {sum(r['not_visible_to_all'] for r in reports)} |"
        )
    slow = runs.get(("s7", "plenary"), [])
    if slow:
        per = med([r["bytes_per_slow_participant"] for r in slow])
        closed = med([r["slow_closed_by_server"] for r in slow])
        kernel = med([r.get("kernel_tcp_bytes_per_slow_participant", 0) for r in slow])
        queue = med([r.get("server_send_queue_bytes_per_slow_participant", 0) for r in slow])
        print(
            f"\nS7: server RSS growth per slow participant after the stall {per / 1024:.1f} KiB "
            f"(median), server send queues {queue / 1024:.1f} KiB, all kernel TCP buffers "
            f"{kernel / 1024:.1f} KiB; "
            f"slow participants closed by the server by the end {closed:,.0f} "
            f"of {slow[0]['slow']:,}."
        )


def restart(runs):
    reports = runs.get(("s8", "plenary"), [])
    if not reports:
        return
    print(
        "| participants | runs | restart command ms | first close → all resumed ms "
        "| resume p50 / p99 / max ms | attempts per participant | by replay / by snapshot "
        "| not resumed | lost / dup / undelivered |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {reports[0]['participants']:,} | {len(reports)} "
        f"| {fmt(med([r['restart_command_ms'] for r in reports]), ',.0f')} "
        f"| {fmt(med([r['all_resumed_ms'] for r in reports]), ',.0f')} "
        f"| {fmt(med([r['resume_ms']['p50'] for r in reports]), ',.0f')} / "
        f"{fmt(med([r['resume_ms']['p99'] for r in reports]), ',.0f')} / "
        f"{fmt(med([r['resume_ms']['max'] for r in reports]), ',.0f')} "
        f"| {fmt(med([r['reconnect_attempts'] / max(r['participants'], 1) for r in reports]), '.1f')} "
        f"| {sum(r['resumed_by_replay'] for r in reports)} / "
        f"{sum(r['resumed_by_snapshot'] for r in reports)} "
        f"| {sum(r['not_resumed'] for r in reports)} "
        f"| {sum(r['lost'] for r in reports)} / {sum(r['duplicated'] for r in reports)} / "
        f"{sum(r['undelivered'] for r in reports)} |"
    )


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs = load(Path(sys.argv[1]))
    if not runs:
        sys.exit(f"no reports in {sys.argv[1]}")
    sections = [
        ("S1, idle participants", idle, [("s1", s) for s in SERVERS]),
        ("S4, broadcast rate ramp", ramp, [("s4", s) for s in SERVERS]),
        ("S5, vote storm (Plenary)", votes, [("s5", "plenary")]),
        ("S2 and S3, join storm and fan-out (Plenary)", fanout, [("s2s3", "plenary")]),
        ("S6 and S7, mixed session and slow readers (Plenary)", mixed,
         [("s6", "plenary"), ("s7", "plenary")]),
        ("S8, restart under load (Plenary)", restart, [("s8", "plenary")]),
    ]
    for title, table, keys in sections:
        if any(runs.get(key) for key in keys):
            print(f"### {title}\n")
            table(runs)
            print()

if __name__ == "__main__":
    main()
