#!/usr/bin/env python3
"""Time-to-main-results of `holdsim serve` (issue 12, point 4): posts a baseline and
two options of the bundled `my-pcn` (supervision, a fourth link worker) with N
replications to a running server, polls the job every 10 ms, and prints when the
main results (verdict, tables, SVG charts) were ready and when the job was done.
Not a test: wall-clock figures on a shared machine are noisy.

    holdsim serve --port 8080 --data /tmp/sd &
    python3 scripts/serve-latency.py http://127.0.0.1:8080 [replications] [repeats]
"""
import json
import sys
import time
import urllib.request

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
REPLICATIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
REPEATS = int(sys.argv[3]) if len(sys.argv) > 3 else 5


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as reply:
        return json.load(reply)


def job(seed):
    base = 'base = "my-pcn"\n'
    return {
        "scenarios": [
            {"title": "Today", "toml": base},
            {"title": "Supervision", "toml": base,
             "set": ["support.supervision_hours_per_month=2"]},
            {"title": "Fourth link worker", "toml": base,
             "set": ["workforce.link_workers=4"]},
        ],
        "replications": REPLICATIONS,
        "seed": seed,
        "robustness": False,
    }


def one(seed):
    started = time.monotonic()
    job_id = call("POST", "/api/jobs", job(seed))["id"]
    main = None
    while True:
        s = call("GET", "/api/jobs/" + job_id)
        now = time.monotonic() - started
        if main is None and (s.get("main_results") or s["state"] == "done"):
            main = main if main is not None else now
        if s["state"] in ("done", "failed", "cancelled"):
            return main, now, s["state"]
        time.sleep(0.01)


rows = [one(seed) for seed in range(1, REPEATS + 1)]
for main, done, state in rows:
    print(f"main results {main:.3f} s   everything {done:.3f} s   ({state})")
mains = sorted(r[0] for r in rows)
print(f"median main results {mains[len(mains) // 2]:.3f} s over {REPEATS} jobs of 3 x {REPLICATIONS}")
