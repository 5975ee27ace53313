"""Writes a run into a project's tracking spool exactly as docs/tracking-spool.md describes (run.json,
events.<writer>.jsonl, metrics.<writer>.bin), standing in for a training script that logs with the SDK.

python3 tracking-spool-writer.py --project DIR --run-id ID --keys loss,acc --steps 1000 [--flush 100]
  [--sleep S] [--finish finished|failed|killed|none] [--params JSON] [--tags a,b] [--nan-at N]
  [--reverse] [--torn] [--wait-file PATH] [--artifact FILE]
"""
import argparse
import hashlib
import json
import math
import os
import secrets
import socket
import struct
import sys
import time


def pad8(n):
    return (n + 7) & ~7


def write_run_json(folder, run_id, params, tags, name):
    target = os.path.join(folder, "run.json")
    if os.path.exists(target):
        return
    body = {
        "version": 1, "id": run_id, "name": name, "created_at": time.time(), "params": params, "tags": tags,
        "source": "sdk", "job_id": None, "pid": os.getpid(), "host": socket.gethostname(), "argv": sys.argv,
        "cwd": os.getcwd(), "git_commit": None, "python": sys.version.split()[0],
    }
    tmp = os.path.join(folder, f".run.json.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(body, f)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, target)  # only if absent: the first writer wins
    except FileExistsError:
        pass
    os.unlink(tmp)


class Writer:
    def __init__(self, folder):
        self.name = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.events = os.open(os.path.join(folder, f"events.{self.name}.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.metrics = os.open(os.path.join(folder, f"metrics.{self.name}.bin"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self.metrics).st_size == 0:
            os.write(self.metrics, b"ORRMET1\n")

    def event(self, **fields):
        os.write(self.events, (json.dumps(fields) + "\n").encode("utf-8"))

    def frame(self, key, steps, times, values):
        k = key.encode("utf-8")
        n = len(steps)
        data = struct.pack("<II", len(k), n) + k + b"\0" * (pad8(len(k)) - len(k))
        data += struct.pack(f"<{n}d", *steps) + struct.pack(f"<{n}d", *times) + struct.pack(f"<{n}d", *values)
        os.write(self.metrics, data)

    def torn(self):
        # Half a frame and half a line, as a process killed mid-write would leave them.
        k = b"torn"
        os.write(self.metrics, struct.pack("<II", len(k), 10) + k + b"\0" * 4 + b"\x01" * 20)
        os.write(self.events, b'{"t": "warning", "mess')


def store_artifact(project, path):
    store = os.path.join(project, ".orrery", "artifacts")
    os.makedirs(os.path.join(store, "tmp"), exist_ok=True)
    part = os.path.join(store, "tmp", secrets.token_hex(8) + ".part")
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as src, open(part, "wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
            dst.write(block)
            size += len(block)
        dst.flush()
        os.fsync(dst.fileno())
    hex_ = digest.hexdigest()
    final = os.path.join(store, "sha256", hex_[:2], hex_[2:])
    os.makedirs(os.path.dirname(final), exist_ok=True)
    if os.path.exists(final):
        os.unlink(part)
    else:
        os.rename(part, final)
    return hex_, size


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--project", required=True)
    p.add_argument("--run-id", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--keys", default="loss")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--flush", type=int, default=100)
    p.add_argument("--sleep", type=float, default=0.0)
    p.add_argument("--finish", default="finished")
    p.add_argument("--params", default="{}")
    p.add_argument("--tags", default="")
    p.add_argument("--nan-at", type=int, default=-1)
    p.add_argument("--reverse", action="store_true")
    p.add_argument("--torn", action="store_true")
    p.add_argument("--wait-file", default="")
    p.add_argument("--artifact", default="")
    a = p.parse_args()

    folder = os.path.join(a.project, ".orrery", "tracking", a.run_id)
    os.makedirs(folder, exist_ok=True)
    params = json.loads(a.params)
    tags = [t for t in a.tags.split(",") if t]
    write_run_json(folder, a.run_id, params, tags, a.name or None)
    w = Writer(folder)
    w.event(t="start", time=time.time(), pid=os.getpid())
    if params:
        w.event(t="params", params=params)
    if tags:
        w.event(t="tags", tags=tags)
    keys = [k for k in a.keys.split(",") if k]
    order = list(range(a.steps))
    if a.reverse:
        half = len(order) // 2
        order = order[half:] + order[:half]
    buffers = {k: ([], [], []) for k in keys}
    for i, step in enumerate(order):
        now = time.time()
        for j, key in enumerate(keys):
            value = math.exp(-step / max(1, a.steps)) + j
            if step == a.nan_at:
                value = float("nan") if j % 2 == 0 else float("inf")
            s, t, v = buffers[key]
            s.append(float(step))
            t.append(now)
            v.append(value)
        if (i + 1) % a.flush == 0 or i == len(order) - 1:
            for key in keys:
                s, t, v = buffers[key]
                if s:
                    w.frame(key, s, t, v)
                buffers[key] = ([], [], [])
            if a.sleep:
                time.sleep(a.sleep)
    if a.artifact:
        sha, size = store_artifact(a.project, a.artifact)
        w.event(t="artifact", name=os.path.basename(a.artifact), sha256=sha, size=size, kind="checkpoint", step=a.steps, time=time.time())
        w.event(t="artifact_error", name="missing.bin", message="No such file", time=time.time())
    if a.torn:
        w.torn()
    if a.wait_file:
        while not os.path.exists(a.wait_file):
            time.sleep(0.02)
    if a.finish != "none":
        w.event(t="finish", status=a.finish, time=time.time(), exit_code=0 if a.finish == "finished" else 1)
    print("done", w.name, flush=True)


if __name__ == "__main__":
    main()
