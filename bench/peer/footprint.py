"""`--footprint-only`: Rapport's footprint on PostgreSQL and SQLite, without PostGraphile.

Cold start to the first `/healthz` 200 (median of `--cold-starts`, the two databases taking
turns so both see the same background load), RSS one second after each start, then one server
per database under a short wrk load (every Rapport query of the benchmark for `--secs` each,
`--conns` connections) and its RSS after it. RSS is the process's `VmRSS`; the anonymous part
(heap, stacks) is shown beside it, the rest being the binary's and libraries' pages.
"""

import os
import statistics
import time

from queries import document
from servers import log


def anonymous_mb(pid):
    """The anonymous part of the resident set (`/proc/PID/smaps_rollup`), in MB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def threads(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def footprint_only(args, sites, logdir, qs, work, started, rapport, wrk):
    names = {"rapport-pg": sites["pg"], "rapport-sqlite": sites["sqlite"]}
    cold = {n: [] for n in names}
    idle = {n: [] for n in names}
    idle_anon = {n: [] for n in names}
    for i in range(args.cold_starts):
        for name, (data_dir, url) in names.items():
            s = rapport(args, f"cold-{name}", args.bin, data_dir, url, logdir)
            cold[name].append(s.start() * 1000)
            time.sleep(1)
            idle[name].append(s.rss())
            idle_anon[name].append(anonymous_mb(s.proc.pid))
            s.stop()
        log(f"cold start {i + 1}/{args.cold_starts}: "
            + ", ".join(f"{n} {cold[n][-1]:.1f} ms" for n in names))

    loaded = {}
    for name, (data_dir, url) in names.items():
        s = rapport(args, name, args.bin, data_dir, url, logdir)
        s.start()
        try:
            time.sleep(1)
            before = (s.rss(), anonymous_mb(s.proc.pid), threads(s.proc.pid))
            rps = {}
            for q in qs:
                if document(q, s) is None:
                    continue
                res = wrk(args, s, q, args.conns, args.threads, args.secs, work)
                rps[q.key] = res["rps"]
                log(f"{name} {q.key:10} {res['rps']:8.0f} req/s  p50 {res['p50_ms']:.2f} ms")
            after = (s.rss(), anonymous_mb(s.proc.pid), threads(s.proc.pid))
        finally:
            s.stop()
        loaded[name] = {"before": before, "after": after, "rps": rps}

    med = statistics.median
    cols = list(names)
    out = [
        f"Footprint of Rapport ({started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"{args.contacts:,} contacts; `{os.path.basename(args.bin)}` {args.bin}; pool "
        f"{args.pool_size or 'default'}; load: each query {args.secs} s, wrk {args.threads} threads "
        f"x {args.conns} connections)",
        "",
        "| footprint | " + " | ".join(cols) + " |",
        "| --- |" + " --- |" * len(cols),
        f"| cold start to first 200, median of {args.cold_starts} (ms) | "
        + " | ".join(f"{med(cold[n]):.1f} (min {min(cold[n]):.1f})" for n in cols) + " |",
        "| idle RSS 1 s after start, median (MB) | "
        + " | ".join(f"{med(idle[n]):.1f} (anonymous {med(idle_anon[n]):.1f})" for n in cols) + " |",
        "| RSS after the load (MB) | "
        + " | ".join(f"{loaded[n]['after'][0]:.1f} (anonymous {loaded[n]['after'][1]:.1f})" for n in cols)
        + " |",
        "| threads idle / after the load | "
        + " | ".join(f"{loaded[n]['before'][2]} / {loaded[n]['after'][2]}" for n in cols) + " |",
    ]
    for q in qs:
        if all(q.key in loaded[n]["rps"] for n in cols):
            out.append(f"| req/s during the load: {q.title} | "
                       + " | ".join(f"{loaded[n]['rps'][q.key]:,.0f}" for n in cols) + " |")
    report = "\n".join(out) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
    return None
