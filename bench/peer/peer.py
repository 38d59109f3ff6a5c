#!/usr/bin/env python3
"""Rapport against PostGraphile 4 on the same PostgreSQL and the same data. Run through
bench/peer/run.sh, which builds Rapport and installs PostGraphile; see bench/peer/README.md."""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixtures import add_clients_and_agreements  # noqa: E402
from queries import check_same_rows, document, queries  # noqa: E402
from report import render  # noqa: E402
from servers import Server, die, free_port, log  # noqa: E402
from statements import Counter, psql  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def parse():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--contacts", type=int, default=10_000)
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--secs", type=int, default=15)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--pg-log", default="/var/log/postgresql/postgresql-15-main.log")
    p.add_argument("--bin", required=True, help="the rapport release binary")
    p.add_argument("--previous-bin", help="a previous release's rapport binary")
    p.add_argument("--previous-ref", default="")
    p.add_argument("--postgraphile", help="the postgraphile executable (not needed with --footprint-only)")
    p.add_argument("--pool-size", type=int, help="Rapport's pool (default: its own default)")
    p.add_argument("--pool-sizes", help="comma-separated: measure the list page per pool size")
    p.add_argument("--cold-starts", type=int, default=10)
    p.add_argument("--footprint-only", action="store_true",
                   help="Rapport alone (PostgreSQL and SQLite): cold starts, idle RSS, RSS after a "
                        "short wrk load; no PostGraphile")
    p.add_argument("--out", help="write the Markdown report here too")
    p.add_argument("--keep", action="store_true", help="keep the databases and work folder")
    return p.parse_args()


def run(cmd, env, what):
    began = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        die(f"{what} failed ({out.returncode}): {out.stderr[-2000:]}")
    return out.stdout, time.perf_counter() - began


def rapport_env(args, data_dir, db_url, pool=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DATABASE_URL", None)
    env.update(
        RAPPORT_DATA_DIR=data_dir,
        RAPPORT_LOG__FILTER="warn",
        RAPPORT_HTTP__HOST="127.0.0.1",
        # wrk sends thousands of requests a second under one token: the per-subject limit
        # (1,200 a minute) would answer 429 to almost all of them. PostGraphile has none.
        RAPPORT_RATE_LIMIT__ENABLED="false",
        RAPPORT_AUTH__OPERATOR_TOKEN_MINUTES="1440",
    )
    if db_url:
        env["DATABASE_URL"] = db_url
    if pool or args.pool_size:
        env["RAPPORT_DATABASE__POOL_SIZE"] = str(pool or args.pool_size)
    return env


def rapport(args, name, binary, data_dir, db_url, logdir, pool=None, migrate=True):
    env = rapport_env(args, data_dir, db_url, pool)
    if not migrate:
        env["RAPPORT_DATABASE__MIGRATE_ON_START"] = "false"
    token, _ = run([binary, "token"], env, f"{name}: rapport token")
    port = free_port()
    env["RAPPORT_HTTP__PORT"] = str(port)
    return Server(name, "rapport", [binary, "serve"], env, port, logdir, token.strip())


def postgraphile(args, name, db_url, logdir, workers, jwt_secret=None):
    port = free_port()
    cmd = [
        args.postgraphile,
        "--connection", db_url,
        "--schema", "public",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--disable-query-log",
        "--dynamic-json",
        "--no-setof-functions-contain-nulls",
        "--disable-graphiql",
        "--max-pool-size", str(args.pg_pool),
    ]
    if workers > 1:
        cmd += ["--cluster-workers", str(workers)]
    token = None
    if jwt_secret:
        cmd += ["--jwt-secret", jwt_secret]
        token = hs256(jwt_secret, {"aud": "postgraphile", "sub": "bench", "exp": int(time.time()) + 86_400})
    env = dict(os.environ, NODE_ENV="production")
    return Server(name, "postgraphile", cmd, env, port, logdir, token)


def hs256(secret, claims):
    import base64
    import hashlib
    import hmac

    def b64(raw):
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def wrk(args, server, query, conns, threads, secs, work):
    doc, variables, _ = document(query, server)
    body = os.path.join(work, f"body-{query.key}-{server.kind}.json")
    with open(body, "w") as f:
        json.dump({"query": doc, "variables": variables}, f)
    env = dict(os.environ, PEER_BODY=body, PEER_TOKEN=server.token or "")
    cpu = server.cpu()
    out = subprocess.run(
        [
            "wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s", "--timeout", "10s",
            "-s", os.path.join(HERE, "post.lua"), f"http://127.0.0.1:{server.port}/graphql",
        ],
        env=env, capture_output=True, text=True,
    )
    cpu = server.cpu() - cpu
    line = next((l for l in out.stdout.splitlines() if l.startswith("PEER ")), None)
    if out.returncode != 0 or line is None:
        die(f"wrk against {server.name} failed: {out.stdout[-800:]} {out.stderr[-800:]}")
    v = {k: int(x) for k, x in (kv.split("=") for kv in line.split()[1:])}
    if v["non2xx"] or v["socket_errors"]:
        log(f"WARNING {server.name} {query.key}: {v['non2xx']} non-2xx, {v['socket_errors']} socket errors")
    n = max(v["requests"], 1)
    return {
        "rps": v["requests"] / (v["duration_us"] / 1e6),
        "p50_ms": v["p50_us"] / 1000,
        "p99_ms": v["p99_us"] / 1000,
        "cpu_ms": cpu * 1000 / n,
        "errors": v["non2xx"] + v["socket_errors"],
    }


def prepare(args, work, logdir):
    """The PostgreSQL database and the SQLite file, filled alike. Returns their locations."""
    db = f"rapport_peer_{os.getpid()}"
    rc, _, err = psql(f"{args.pg}/postgres", f'CREATE DATABASE "{db}"')
    if rc != 0:
        die(f"cannot create database {db}: {err}")
    pg_url = f"{args.pg}/{db}"
    sites = {"pg": (os.path.join(work, "pg"), pg_url), "sqlite": (os.path.join(work, "sqlite"), None)}
    timings = {}
    for key, (data_dir, url) in sites.items():
        os.makedirs(data_dir)
        env = rapport_env(args, data_dir, url)
        run([args.bin, "migrate"], env, f"migrate ({key})")
        _, spent = run(
            [args.bin, "demo-data", "--accounts", str(args.accounts), "--contacts", str(args.contacts)],
            env, f"demo-data ({key})",
        )
        timings[key] = spent
        log(f"demo-data on {key}: {args.contacts} contacts in {spent:.1f} s")
        server = rapport(args, f"fixtures-{key}", args.bin, data_dir, url, logdir)
        server.start()
        managers, clients = add_clients_and_agreements(server, args.accounts)
        server.stop()
        log(f"{key}: {managers} account managers, {clients} clients with a draft agreement")
    psql(pg_url, "VACUUM ANALYZE")
    return db, pg_url, sites, timings


def median(xs):
    return statistics.median(xs) if xs else None


def main():
    args = parse()
    if not args.footprint_only and not args.postgraphile:
        die("--postgraphile is required unless --footprint-only")
    work = tempfile.mkdtemp(prefix="rapport-peer-")
    logdir = os.path.join(work, "logs")
    os.makedirs(logdir)
    log(f"work folder {work}")
    started = datetime.datetime.now(datetime.timezone.utc)
    db, pg_url, sites, demo_timings = prepare(args, work, logdir)
    qs = queries(args.contacts)
    servers = []
    try:
        r_pg = rapport(args, "rapport-pg", args.bin, *sites["pg"], logdir)
        r_sq = rapport(args, "rapport-sqlite", args.bin, *sites["sqlite"], logdir)
        # Rapport's default pool on this machine (config/database.rs: 8 a core, 8 to 64);
        # PostGraphile gets the same.
        args.pg_pool = args.pool_size or min(max(8 * (os.cpu_count() or 1), 8), 64)
        if args.footprint_only:
            from footprint import footprint_only  # noqa: PLC0415

            return footprint_only(args, sites, logdir, qs, work, started, rapport, wrk)
        if args.pool_sizes:
            return pool_sweep(args, sites, logdir, qs[0], work, started)
        # SQL statements per request, on servers of their own (the log setting applies to
        # sessions opened after it).
        counter = Counter(args.pg, pg_url, db, args.pg_log)
        statements = {}
        counted = [
            rapport(args, "count-rapport-pg", args.bin, *sites["pg"], logdir),
            postgraphile(args, "count-postgraphile", pg_url, logdir, 1),
            postgraphile(args, "count-postgraphile-jwt", pg_url, logdir, 1, "bench-secret-0123456789abcdef"),
        ]
        for s in counted:
            s.start()
        for q in qs:
            for s in counted:
                if document(q, s) is not None:
                    statements[(q.key, s.name.removeprefix("count-"))] = counter.per_request(q, s)
        for s in counted:
            s.stop()
        counter.finish()

        # PostGraphile's best configuration on the list page: one process or a cluster.
        single = postgraphile(args, "postgraphile-1", pg_url, logdir, 1)
        cluster = postgraphile(args, f"postgraphile-{os.cpu_count()}w", pg_url, logdir, os.cpu_count())
        trial = {}
        for s in (single, cluster):
            s.start()
            wrk(args, s, qs[0], args.conns, args.threads, 2, work)  # warm-up
            trial[s.name] = wrk(args, s, qs[0], args.conns, args.threads, max(args.secs // 2, 3), work)["rps"]
            s.stop()
        best_workers = 1 if trial[single.name] >= trial[cluster.name] else os.cpu_count()
        log(f"PostGraphile list page: {trial} -> {best_workers} worker(s)")
        pg_best = postgraphile(args, "postgraphile", pg_url, logdir, best_workers)
        pg_jwt = postgraphile(args, "postgraphile-jwt", pg_url, logdir, best_workers, "bench-secret-0123456789abcdef")
        servers = [r_pg, r_sq, pg_best, pg_jwt]
        previous = None
        if args.previous_bin:
            os.makedirs(os.path.join(work, "prev"))
            previous = rapport(args, "rapport-previous", args.previous_bin, os.path.join(work, "prev"), pg_url, logdir, migrate=False)
            servers.append(previous)
        for s in servers:
            s.start()
        idle_rss = {s.name: s.rss() for s in servers}

        plan = {}
        for q in qs:
            if q.postgraphile is None:
                group = [r_pg, r_sq] + ([previous] if previous else [])
            else:
                group = [r_pg, r_sq, pg_best, pg_jwt]
            check_same_rows(q, [s for s in group if s is not pg_jwt])
            plan[q.key] = group
        for q in qs:  # warm every server on every query
            for s in plan[q.key]:
                wrk(args, s, q, args.conns, args.threads, 1, work)

        rounds = []
        for r in range(args.rounds):
            for q in qs:
                for s in plan[q.key]:
                    res = wrk(args, s, q, args.conns, args.threads, args.secs, work)
                    res.update(round=r, query=q.key, server=s.name)
                    rounds.append(res)
                    log(f"round {r + 1}/{args.rounds} {q.key:10} {s.name:18} {res['rps']:8.0f} req/s  p50 {res['p50_ms']:.2f} ms  cpu {res['cpu_ms']:.2f} ms/req")
        unloaded = {}
        for q in qs:
            for s in plan[q.key]:
                unloaded[(q.key, s.name)] = wrk(args, s, q, 1, 1, min(args.secs, 5), work)["p50_ms"]
        after_rss = {s.name: s.rss() for s in servers}
        for s in servers:
            s.stop()

        footprint = cold_starts(args, sites, pg_url, logdir, best_workers)
        footprint["idle_rss"] = idle_rss
        footprint["after_rss"] = after_rss
        report = render(
            args=args, started=started, queries=qs, plan=plan, rounds=rounds,
            statements=statements, method=counter.method, unloaded=unloaded,
            footprint=footprint, demo=demo_timings, trial=trial, best_workers=best_workers,
        )
        print(report)
        raw = os.path.join(work, "rounds.json")
        with open(raw, "w") as f:
            json.dump(rounds, f, indent=1)
        log(f"raw rounds: {raw}")
        if args.out:
            with open(args.out, "w") as f:
                f.write(report)
    finally:
        for s in servers:
            s.stop()
        if not args.keep:
            psql(f"{args.pg}/postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            shutil.rmtree(os.path.join(work, "pg"), ignore_errors=True)
            shutil.rmtree(os.path.join(work, "sqlite"), ignore_errors=True)


def cold_starts(args, sites, pg_url, logdir, workers):
    """Start to first 200, `--cold-starts` times each (median), and the idle RSS one second
    after health."""
    out = {"cold_ms": {}, "idle_rss_fresh": {}}
    makers = {
        "rapport-pg": lambda: rapport(args, "cold-rapport-pg", args.bin, *sites["pg"], logdir),
        "rapport-sqlite": lambda: rapport(args, "cold-rapport-sqlite", args.bin, *sites["sqlite"], logdir),
        "postgraphile": lambda: postgraphile(args, "cold-postgraphile", pg_url, logdir, workers),
    }
    for name, make in makers.items():
        times, rss = [], []
        for _ in range(args.cold_starts):
            s = make()
            times.append(s.start() * 1000)
            time.sleep(1)
            rss.append(s.rss())
            s.stop()
        out["cold_ms"][name] = median(times)
        out["idle_rss_fresh"][name] = median(rss)
    return out


def pool_sweep(args, sites, logdir, list_query, work, started):
    sizes = [int(x) for x in args.pool_sizes.split(",") if x.strip()]
    servers = [rapport(args, f"rapport-pg-pool{n}", args.bin, *sites["pg"], logdir, pool=n) for n in sizes]
    try:
        for s in servers:
            s.start()
            wrk(args, s, list_query, args.conns, args.threads, 1, work)
        rows = {s.name: [] for s in servers}
        for r in range(args.rounds):
            for s in servers:
                res = wrk(args, s, list_query, args.conns, args.threads, args.secs, work)
                rows[s.name].append(res)
                log(f"round {r + 1} {s.name}: {res['rps']:.0f} req/s p50 {res['p50_ms']:.2f} ms")
    finally:
        for s in servers:
            s.stop()
    print(f"\nPool sizes, list page, Rapport on PostgreSQL ({started:%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} cores, {args.contacts} contacts, wrk {args.conns} connections, "
          f"{args.rounds} interleaved rounds of {args.secs} s; medians)\n")
    print("| pool | req/s | p50 ms | p99 ms | CPU ms/request |\n| --- | --- | --- | --- | --- |")
    for n, s in zip(sizes, servers):
        rs = rows[s.name]
        print(f"| {n} | {median([x['rps'] for x in rs]):,.0f} | {median([x['p50_ms'] for x in rs]):.2f} "
              f"| {median([x['p99_ms'] for x in rs]):.2f} | {median([x['cpu_ms'] for x in rs]):.2f} |")
    return None


if __name__ == "__main__":
    main()
