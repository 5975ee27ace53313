"""How fast the SDK takes metrics: 1M points (10 keys x 100k steps) logged into a temporary project,
timed from the first `run.log` until `run.finish()` has written them all (wall clock, and the process's
CPU time, which other load on the machine disturbs less). Prints one JSON line.

    PYTHONPATH=resources/python python3 tests/python/log_rate.py [--steps N] [--keys K] [--project DIR]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python"))

import orrery  # noqa: E402


def measure(project, steps, keys):
    names = ["metric_%d" % k for k in range(keys)]
    run = orrery.init(name="log-rate", project=project)
    started = time.perf_counter()
    cpu_started = time.process_time()
    log = run.log
    for i in range(steps):
        value = i * 0.001
        log({name: value for name in names}, step=i)
    logged = time.perf_counter()
    run.finish()
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_started
    points = steps * keys
    size = sum(os.path.getsize(os.path.join(run.dir, f)) for f in os.listdir(run.dir) if f.startswith("metrics."))
    return {
        "points": points,
        "log_seconds": round(logged - started, 4),
        "total_seconds": round(finished - started, 4),
        "points_per_second": round(points / (finished - started)),
        "cpu_seconds": round(cpu, 4),
        "metrics_bytes": size,
        "run_dir": run.dir,
        "python": sys.version.split()[0],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--project", help="an existing project folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    temp = None
    project = args.project
    if project is None:
        temp = project = tempfile.mkdtemp(prefix="orrery-log-rate-")
        os.makedirs(os.path.join(project, ".orrery"))
        open(os.path.join(project, ".orrery", "project.db"), "wb").close()
    try:
        print(json.dumps(measure(project, args.steps, args.keys)))
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
