#!/usr/bin/env python3
"""A stand-in for a Ray head node's Jobs REST API, for Orrery's tests (Ray itself cannot be installed here).

It follows the documented API (docs.ray.io, "Ray Jobs REST API specification"), standard library only:
  GET  /api/version                        {"version", "ray_version", "ray_commit"}
  GET  /api/packages/{protocol}/{name}     200 when the working_dir package exists, else 404
  PUT  /api/packages/{protocol}/{name}     the zip as the body
  POST /api/jobs/                          {entrypoint, submission_id?, runtime_env{working_dir, env_vars},
                                            metadata, entrypoint_num_cpus/gpus/memory/resources}
  GET  /api/jobs/                          a list of JobDetails
  GET  /api/jobs/{id}                      JobDetails (404 when unknown)
  GET  /api/jobs/{id}/logs                 {"logs": the driver's stdout and stderr so far}
  POST /api/jobs/{id}/stop                 {"stopped": bool}: SIGTERM to the entrypoint's group, SIGKILL after 3 s
  DELETE /api/jobs/{id}                    {"deleted": true}; 400 while the job has not ended
Like Ray, the entrypoint runs with a shell in the unpacked working_dir with env_vars added; a job asking for more
CPUs, GPUs, memory or a custom resource than the "cluster" has free stays PENDING until it has them.
With --token, every request must carry "Authorization: Bearer <token>" (401 otherwise).

Usage: python3 ray_jobs_server.py --dir DIR [--port 0] [--num-cpus N] [--num-gpus N] [--resource NAME=N] [--token T]
Prints "listening on <port>" once it accepts connections.
"""

import argparse
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STOP_WAIT_S = 3.0
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}


class Cluster:
    """Jobs, packages and free resources; one lock guards them all."""

    def __init__(self, root, capacity):
        self.root = root
        self.capacity = dict(capacity)
        self.free = dict(capacity)
        self.jobs = {}
        self.order = []
        self.lock = threading.Condition()
        os.makedirs(os.path.join(root, "packages"), exist_ok=True)
        os.makedirs(os.path.join(root, "jobs"), exist_ok=True)
        threading.Thread(target=self.schedule_loop, daemon=True).start()

    def package_path(self, protocol, name):
        if protocol != "gcs" or not re.fullmatch(r"_ray_pkg_[0-9a-f]+\.zip", name):
            return None
        return os.path.join(self.root, "packages", name)

    def submit(self, body):
        entrypoint = body.get("entrypoint")
        if not isinstance(entrypoint, str) or not entrypoint:
            raise ValueError("entrypoint is required")
        submission_id = body.get("submission_id") or body.get("job_id") or "raysubmit_" + secrets.token_hex(8)
        runtime_env = body.get("runtime_env") or {}
        metadata = body.get("metadata") or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata must be a Dict[str, str]")
        ask = {"CPU": float(body.get("entrypoint_num_cpus") or 0), "GPU": float(body.get("entrypoint_num_gpus") or 0),
               "memory": float(body.get("entrypoint_memory") or 0)}
        for name, amount in (body.get("entrypoint_resources") or {}).items():
            ask[name] = float(amount)
        with self.lock:
            if submission_id in self.jobs:
                raise ValueError(f"Job with submission_id {submission_id} already exists. Please use a different submission_id.")
            self.jobs[submission_id] = {
                "type": "SUBMISSION", "job_id": None, "submission_id": submission_id, "driver_info": None,
                "status": "PENDING", "entrypoint": entrypoint, "message": "Job has not started yet.",
                "error_type": None, "start_time": int(time.time() * 1000), "end_time": None, "metadata": metadata,
                "runtime_env": runtime_env, "driver_agent_http_address": None, "driver_node_id": None,
                "driver_exit_code": None, "_ask": ask, "_proc": None, "_stopping": False,
            }
            self.order.append(submission_id)
            self.lock.notify_all()
        return submission_id

    def fits(self, ask):
        return all(self.free.get(name, 0) >= amount for name, amount in ask.items() if amount > 0)

    def schedule_loop(self):
        while True:
            with self.lock:
                ready = [sid for sid in self.order if self.jobs[sid]["status"] == "PENDING" and not self.jobs[sid]["_stopping"]
                         and self.fits(self.jobs[sid]["_ask"])]
                if not ready:
                    self.lock.wait(0.5)
                    continue
                sid = ready[0]
                job = self.jobs[sid]
                for name, amount in job["_ask"].items():
                    if amount > 0:
                        self.free[name] -= amount
                job["status"] = "RUNNING"
                job["message"] = "Job is currently running."
            threading.Thread(target=self.run, args=(sid,), daemon=True).start()

    def run(self, sid):
        job = self.jobs[sid]
        folder = os.path.join(self.root, "jobs", sid)
        workdir = os.path.join(folder, "working_dir")
        os.makedirs(workdir, exist_ok=True)
        log_path = os.path.join(folder, "driver.log")
        uri = job["runtime_env"].get("working_dir")
        try:
            if uri:
                match = re.fullmatch(r"(\w+)://(.+)", uri)
                package = match and self.package_path(match.group(1), match.group(2))
                if not package or not os.path.exists(package):
                    raise RuntimeError(f"Failed to set up runtime environment: package {uri} does not exist; upload it first.")
                with zipfile.ZipFile(package) as archive:
                    for info in archive.infolist():
                        archive.extract(info, workdir)
                        mode = (info.external_attr >> 16) & 0o777
                        if mode:
                            os.chmod(os.path.join(workdir, info.filename), mode)
            env = dict(os.environ)
            env.update({k: str(v) for k, v in (job["runtime_env"].get("env_vars") or {}).items()})
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(job["entrypoint"], shell=True, cwd=workdir, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            with self.lock:
                job["_proc"] = proc
                job["driver_info"] = {"id": sid, "node_ip_address": "127.0.0.1", "pid": str(proc.pid)}
                job["driver_node_id"] = "node-127.0.0.1"
            code = proc.wait()
            self.finish(sid, code, log_path)
        except Exception as error:  # the job fails with the reason, as Ray's runtime env errors do
            self.finish(sid, None, log_path, str(error))

    def finish(self, sid, code, log_path, error=None):
        with self.lock:
            job = self.jobs[sid]
            for name, amount in job["_ask"].items():
                if amount > 0:
                    self.free[name] += amount
            job["end_time"] = int(time.time() * 1000)
            job["driver_exit_code"] = code
            if job["_stopping"]:
                job["status"], job["message"] = "STOPPED", "Job was intentionally stopped."
            elif error is not None:
                job["status"], job["message"], job["error_type"] = "FAILED", error, "RUNTIME_ENV_SETUP_FAILURE"
            elif code == 0:
                job["status"], job["message"] = "SUCCEEDED", "Job finished successfully."
            else:
                tail = read_text(log_path)[-20000:]
                job["status"], job["error_type"] = "FAILED", "JOB_ENTRYPOINT_COMMAND_ERROR"
                job["message"] = f"Job entrypoint command failed with exit code {code}, last available logs (truncated to 20,000 chars):\n{tail}"
            self.lock.notify_all()

    def stop(self, sid):
        with self.lock:
            job = self.jobs[sid]
            if job["status"] in TERMINAL:
                return False
            job["_stopping"] = True
            proc = job["_proc"]
            if job["status"] == "PENDING" and proc is None:
                job["status"], job["message"] = "STOPPED", "Job was intentionally stopped."
                job["end_time"] = int(time.time() * 1000)
                return True
        if proc is not None:
            signal_group(proc, signal.SIGTERM)
            threading.Thread(target=self.kill_later, args=(proc,), daemon=True).start()
        return True

    @staticmethod
    def kill_later(proc):
        try:
            proc.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            signal_group(proc, signal.SIGKILL)

    def details(self, sid):
        return {k: v for k, v in self.jobs[sid].items() if not k.startswith("_")}

    def logs(self, sid):
        return read_text(os.path.join(self.root, "jobs", sid, "driver.log"))

    def delete(self, sid):
        with self.lock:
            if self.jobs[sid]["status"] not in TERMINAL:
                raise ValueError(f"Job {sid} is not in a terminal state. It must be stopped first.")
            del self.jobs[sid]
            self.order.remove(sid)
        shutil.rmtree(os.path.join(self.root, "jobs", sid), ignore_errors=True)


def signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def make_handler(cluster, token):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="application/json"):
            data = body if isinstance(body, bytes) else (json.dumps(body) if content_type == "application/json" else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def authorized(self):
            if token is None or self.headers.get("Authorization") == f"Bearer {token}":
                return True
            self.body()
            self.reply(401, "Unauthorized: missing or wrong bearer token", "text/plain")
            return False

        def job_route(self):
            match = re.fullmatch(r"/api/jobs/([^/]+)(/logs|/stop)?", self.path.split("?")[0])
            if not match:
                return None, None
            sid = match.group(1)
            if sid not in cluster.jobs:
                self.reply(404, f"Job {sid} does not exist", "text/plain")
                return False, None
            return sid, match.group(2)

        def do_GET(self):
            if not self.authorized():
                return
            route = self.path.split("?")[0]
            if route == "/api/version":
                return self.reply(200, {"version": "3", "ray_version": "0.0.0+orrery-test-server", "ray_commit": "none"})
            package = re.fullmatch(r"/api/packages/(\w+)/(.+)", route)
            if package:
                path = cluster.package_path(package.group(1), package.group(2))
                if path and os.path.exists(path):
                    return self.reply(200, {})
                return self.reply(404, "Package not found", "text/plain")
            if route in ("/api/jobs", "/api/jobs/"):
                with cluster.lock:
                    return self.reply(200, [cluster.details(sid) for sid in cluster.order])
            sid, tail = self.job_route()
            if sid is False:
                return
            if sid and tail == "/logs":
                return self.reply(200, {"logs": cluster.logs(sid)})
            if sid and tail is None:
                with cluster.lock:
                    return self.reply(200, cluster.details(sid))
            self.reply(404, "Not found", "text/plain")

        def do_PUT(self):
            if not self.authorized():
                return
            package = re.fullmatch(r"/api/packages/(\w+)/(.+)", self.path)
            data = self.body()
            path = package and cluster.package_path(package.group(1), package.group(2))
            if not path:
                return self.reply(400, "Bad package URI", "text/plain")
            try:
                zipfile.ZipFile(io.BytesIO(data)).testzip()
            except zipfile.BadZipFile:
                return self.reply(400, "The package is not a zip file", "text/plain")
            with open(path + ".tmp", "wb") as handle:
                handle.write(data)
            os.replace(path + ".tmp", path)
            self.reply(200, {})

        def do_POST(self):
            if not self.authorized():
                return
            data = self.body()
            if self.path in ("/api/jobs", "/api/jobs/"):
                try:
                    sid = cluster.submit(json.loads(data or b"{}"))
                except (ValueError, TypeError) as error:
                    return self.reply(400, str(error), "text/plain")
                return self.reply(200, {"job_id": sid, "submission_id": sid})
            sid, tail = self.job_route()
            if sid is False:
                return
            if sid and tail == "/stop":
                return self.reply(200, {"stopped": cluster.stop(sid)})
            self.reply(404, "Not found", "text/plain")

        def do_DELETE(self):
            if not self.authorized():
                return
            sid, tail = self.job_route()
            if sid is False:
                return
            if not sid or tail is not None:
                return self.reply(404, "Not found", "text/plain")
            try:
                cluster.delete(sid)
            except ValueError as error:
                return self.reply(400, str(error), "text/plain")
            self.reply(200, {"deleted": True})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--num-cpus", type=float, default=float(os.cpu_count() or 1))
    parser.add_argument("--num-gpus", type=float, default=0.0)
    parser.add_argument("--memory", type=float, default=4 * 1024 ** 3)
    parser.add_argument("--resource", action="append", default=[])
    parser.add_argument("--token")
    args = parser.parse_args()
    capacity = {"CPU": args.num_cpus, "GPU": args.num_gpus, "memory": args.memory}
    for item in args.resource:
        name, _, amount = item.partition("=")
        capacity[name] = float(amount or 1)
    cluster = Cluster(args.dir, capacity)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(cluster, args.token))
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)

    def shutdown(*_):
        with cluster.lock:
            procs = [job["_proc"] for job in cluster.jobs.values() if job["_proc"] is not None and job["_proc"].poll() is None]
        for proc in procs:
            signal_group(proc, signal.SIGKILL)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    server.serve_forever()


if __name__ == "__main__":
    main()
