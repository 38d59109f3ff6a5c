#!/usr/bin/env python3
"""Sequential GraphQL requests over one keep-alive connection; prints p50/p90 in ms.

usage: latency.py URL TOKEN N WARMUP LABEL QUERY
Every response is checked: a body with `errors` stops the run.
"""
import http.client
import json
import sys
import time
import urllib.parse

url, token, n, warmup, label, query = sys.argv[1:7]
n, warmup = int(n), int(warmup)
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
body = json.dumps({"query": query})
headers = {
    "content-type": "application/json",
    "accept": "application/json",
    "authorization": f"Bearer {token}",
}
times = []
answer = None
for i in range(warmup + n):
    start = time.perf_counter()
    conn.request("POST", u.path, body, headers)
    resp = conn.getresponse()
    data = resp.read()
    elapsed = time.perf_counter() - start
    doc = json.loads(data)
    if resp.status != 200 or doc.get("errors"):
        sys.exit(f"{label}: request failed: {resp.status} {data[:500]!r}")
    if i >= warmup:
        times.append(elapsed * 1000)
    answer = doc
times.sort()
p50 = times[len(times) // 2]
p90 = times[int(len(times) * 0.9)]
count = None
for v in answer["data"].values():
    if isinstance(v, dict) and "totalCount" in v:
        count = v["totalCount"]
print(f"{label}\tp50_ms={p50:.2f}\tp90_ms={p90:.2f}\tn={n}\ttotalCount={count}")
