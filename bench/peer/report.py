"""The Markdown the README takes verbatim: one table of reads, one of footprint."""

import os
import platform
import statistics
import subprocess


def _machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        pass
    return f"{model or platform.processor()}, {os.cpu_count()} cores{mem}, Linux {platform.release()}"


def _version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _f(x, spec=",.0f", none="–"):
    return none if x is None else format(x, spec)


def render(*, args, started, queries, plan, rounds, statements, method, unloaded, footprint,
           demo, trial, best_workers):
    by = {}
    for r in rounds:
        by.setdefault((r["query"], r["server"]), []).append(r)
    out = []
    w = out.append
    w(f"Measured {started:%Y-%m-%d %H:%M} UTC on {_machine()}; "
      f"{_version(['psql', '--version'])}; {args.contacts:,} contacts, {args.accounts} accounts "
      f"(`rapport demo-data`, then {args.accounts // 4 if args.accounts else 0} clients with a draft agreement through the API); "
      f"wrk {args.threads} threads × {args.conns} connections, {args.rounds} interleaved rounds of "
      f"{args.secs} s; medians over rounds. Rapport: release build, `RAPPORT_LOG__FILTER=warn`, "
      f"rate limit off, pool {args.pg_pool}{'' if args.pool_size else ' (its default here)'}. PostGraphile 4: "
      f"{'one process' if best_workers == 1 else f'{best_workers} cluster workers'} "
      f"(the faster on the list page: {', '.join(f'{k} {v:,.0f} req/s' for k, v in trial.items())}), "
      f"pool {args.pg_pool}. SQL statements counted with {method or 'nothing (unavailable)'}.")
    w("")
    w("| query | server | req/s | ratio to PostGraphile (median / worst round) | p50 ms | p99 ms | CPU ms/request | SQL statements/request | unloaded p50 ms |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for q in queries:
        servers = [s.name for s in plan[q.key]]
        reference = "postgraphile" if q.postgraphile is not None else (
            "rapport-previous" if "rapport-previous" in servers else None)
        for name in servers:
            rs = by.get((q.key, name), [])
            ratio = "–"
            if reference and name.startswith("rapport") and name != reference:
                ref = {r["round"]: r["rps"] for r in by.get((q.key, reference), [])}
                per = [r["rps"] / ref[r["round"]] for r in rs if ref.get(r["round"])]
                if per:
                    ratio = f"{_med(per):.2f}× / {min(per):.2f}×"
            elif q.postgraphile is None and reference is None and name.startswith("rapport"):
                ratio = "previous release: not run"
            stmts = statements.get((q.key, name))
            w(f"| {q.title} | {name} | {_f(_med([r['rps'] for r in rs]))} | {ratio} "
              f"| {_f(_med([r['p50_ms'] for r in rs]), '.2f')} | {_f(_med([r['p99_ms'] for r in rs]), '.2f')} "
              f"| {_f(_med([r['cpu_ms'] for r in rs]), '.2f')} | {_f(stmts, '.1f')} "
              f"| {_f(unloaded.get((q.key, name)), '.2f')} |")
    errors = sum(r["errors"] for r in rounds)
    w("")
    w(f"Errors (non-2xx or socket) over all rounds: {errors}.")
    w("")
    w("| footprint | rapport-pg | rapport-sqlite | postgraphile |")
    w("| --- | --- | --- | --- |")
    cold = footprint["cold_ms"]
    w(f"| cold start to first 200, median of {args.cold_starts} (ms) | "
      + " | ".join(_f(cold.get(k), '.0f') for k in ("rapport-pg", "rapport-sqlite", "postgraphile")) + " |")
    fresh = footprint["idle_rss_fresh"]
    w("| idle RSS 1 s after start, median (MB) | "
      + " | ".join(_f(fresh.get(k), '.0f') for k in ("rapport-pg", "rapport-sqlite", "postgraphile")) + " |")
    after = footprint["after_rss"]
    w("| RSS after the benchmark (MB) | "
      + " | ".join(_f(after.get(k), '.0f') for k in ("rapport-pg", "rapport-sqlite", "postgraphile")) + " |")
    w("")
    w(f"`rapport demo-data` for this data set: PostgreSQL {demo['pg']:.1f} s, SQLite {demo['sqlite']:.1f} s.")
    return "\n".join(out) + "\n"
