"""The Python SDK against the tracking spool format (docs/tracking-spool.md), byte for byte.

    PYTHONPATH=resources/python python3 -m unittest discover -s tests/python -v
"""
import glob
import hashlib
import json
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import warnings
from unittest import mock

SDK_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python"))
if SDK_DIR not in sys.path:
    sys.path.insert(0, SDK_DIR)

import orrery  # noqa: E402

try:
    import numpy
except ImportError:  # the SDK needs no numpy; only the numpy-scalar test does
    numpy = None

SUBPROCESS_TIMEOUT = 60


def make_project(base):
    project = os.path.join(base, "project")
    os.makedirs(os.path.join(project, ".orrery"))
    open(os.path.join(project, ".orrery", "project.db"), "wb").close()
    return project


def read_metrics(path):
    """{key: [(step, time, value), ...]} from a metrics file, checking the magic, alignment and padding."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"ORRMET1\n", data[:8]
    offset, series = 8, {}
    while offset < len(data):
        assert offset % 8 == 0, "frame at %d is not 8-byte aligned" % offset
        key_length, count = struct.unpack_from("<II", data, offset)
        padded = key_length + (-key_length % 8)
        key_bytes = data[offset + 8:offset + 8 + padded]
        assert key_bytes[key_length:] == b"\0" * (padded - key_length), "key padding is not zeros"
        key = key_bytes[:key_length].decode("utf-8")
        start = offset + 8 + padded
        steps = struct.unpack_from("<%dd" % count, data, start)
        times = struct.unpack_from("<%dd" % count, data, start + 8 * count)
        values = struct.unpack_from("<%dd" % count, data, start + 16 * count)
        series.setdefault(key, []).extend(zip(steps, times, values))
        offset = start + 24 * count
    assert offset == len(data), "a torn frame at the end"
    return series


def read_events(path):
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.endswith(b"\n"), "the last event line has no newline"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def load_json(path):
    with open(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def only(pattern):
    found = glob.glob(pattern)
    assert len(found) == 1, (pattern, found)
    return found[0]


def sdk_env(project=None, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORRERY_")}
    env["PYTHONPATH"] = SDK_DIR
    if project is not None:
        env["ORRERY_PROJECT"] = project
    env.update(extra)
    return env


class SdkTestCase(unittest.TestCase):
    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="orrery-sdk-test-")
        self.project = make_project(self.base)
        patcher = mock.patch.dict(os.environ, {k: v for k, v in os.environ.items() if not k.startswith("ORRERY_")}, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(shutil.rmtree, self.base, True)
        self.addCleanup(orrery.finish)

    def run_dir(self, run_id):
        return os.path.join(self.project, ".orrery", "tracking", run_id)

    def script(self, code, env=None, cwd=None, expect_ok=True):
        """Runs `code` in a fresh python with the SDK importable and ORRERY_PROJECT set to this project."""
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            env=env if env is not None else sdk_env(self.project),
            cwd=cwd or self.base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=SUBPROCESS_TIMEOUT,
        )
        if expect_ok and result.returncode != 0:
            self.fail("script failed (%s):\n%s\n%s" % (result.returncode, result.stdout.decode(), result.stderr.decode()))
        return result

    def events_of(self, run_id):
        return read_events(only(os.path.join(self.run_dir(run_id), "events.*.jsonl")))

    def metrics_of(self, run_id):
        return read_metrics(only(os.path.join(self.run_dir(run_id), "metrics.*.bin")))


class FilesTest(SdkTestCase):
    def test_run_json_events_and_metric_frames_byte_for_byte(self):
        run = orrery.init(name="layout", params={"lr": 0.1, "layers": [2, 3], "bad": float("nan")}, tags=["a", "b"], project=self.project, run_id="r1")
        self.assertIs(orrery.run, run)
        run.log({"loss": 1.5, "acc": 1, "ab\u00e9cdefgh": -2.25}, step=3)
        run.log({"loss": 0.5}, step=4)
        run.finish()
        self.assertIsNone(orrery.run)
        folder = self.run_dir("r1")
        record = load_json(os.path.join(folder, "run.json"))
        self.assertEqual(record["version"], 1)
        self.assertEqual((record["id"], record["name"], record["source"], record["job_id"]), ("r1", "layout", "sdk", None))
        self.assertEqual(record["params"], {"lr": 0.1, "layers": [2, 3], "bad": "NaN"})
        self.assertEqual(record["tags"], ["a", "b"])
        self.assertEqual(record["pid"], os.getpid())
        self.assertEqual(record["python"], "%d.%d.%d" % sys.version_info[:3])
        self.assertIsInstance(record["created_at"], float)
        for field in ("host", "argv", "cwd", "git_commit"):
            self.assertIn(field, record)
        writer = os.path.basename(only(os.path.join(folder, "events.*.jsonl")))[len("events."):-len(".jsonl")]
        pid, suffix = writer.split("-")
        self.assertEqual((int(pid), len(suffix)), (os.getpid(), 8))
        self.assertTrue(os.path.isfile(os.path.join(folder, "metrics.%s.bin" % writer)))
        events = self.events_of("r1")
        self.assertEqual([e["t"] for e in events], ["start", "finish"])
        self.assertEqual(events[0]["pid"], os.getpid())
        self.assertEqual((events[1]["status"], events[1]["exit_code"]), ("finished", None))
        raw = read_bytes(os.path.join(folder, "metrics.%s.bin" % writer))
        # One flush: loss (2 points), acc, "abécdefgh" (10 bytes, padded to 16); 8 + (8+8+48) + (8+8+24) + (8+16+24).
        self.assertEqual(len(raw), 8 + 64 + 40 + 48)
        self.assertEqual(raw[8:24], struct.pack("<II", 4, 2) + b"loss\0\0\0\0")
        self.assertEqual(raw[24:40], struct.pack("<2d", 3.0, 4.0))
        self.assertEqual(raw[56:72], struct.pack("<2d", 1.5, 0.5))
        series = read_metrics(os.path.join(folder, "metrics.%s.bin" % writer))
        self.assertEqual([p[2] for p in series["ab\u00e9cdefgh"]], [-2.25])
        self.assertEqual([(p[0], p[2]) for p in series["acc"]], [(3.0, 1.0)])
        self.assertLess(abs(series["loss"][0][1] - time.time()), 60)

    def test_auto_steps_continue_from_the_previous_step(self):
        run = orrery.init(project=self.project, run_id="steps")
        run.log({"a": 1})
        run.log({"a": 2})
        run.log({"a": 3}, step=10)
        run.log({"a": 4, "b": 5})
        run.finish()
        series = self.metrics_of("steps")
        self.assertEqual([p[0] for p in series["a"]], [0.0, 1.0, 10.0, 11.0])
        self.assertEqual([p[0] for p in series["b"]], [11.0])

    def test_nan_and_infinities_are_kept_and_numbers_of_every_kind_accepted(self):
        class Scalar(object):  # what a torch 0-d tensor offers: ndim 0, item(), no __float__ needed
            ndim = 0

            def item(self):
                return 2.5

        run = orrery.init(project=self.project, run_id="nan")
        run.log({"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "bool": True, "big": 2 ** 60, "scalar": Scalar()}, step=0)
        if numpy is not None:
            run.log({"np32": numpy.float32(0.25), "np_int": numpy.int64(7), "np_0d": numpy.array(1.5)}, step=1)
        run.finish()
        series = self.metrics_of("nan")
        self.assertTrue(math.isnan(series["nan"][0][2]))
        self.assertEqual(series["inf"][0][2], math.inf)
        self.assertEqual(series["ninf"][0][2], -math.inf)
        self.assertEqual((series["bool"][0][2], series["big"][0][2], series["scalar"][0][2]), (1.0, float(2 ** 60), 2.5))
        if numpy is not None:
            self.assertEqual((series["np32"][0][2], series["np_int"][0][2], series["np_0d"][0][2]), (0.25, 7.0, 1.5))

    def test_torch_scalars_and_0d_tensors_are_numbers_and_tensors_with_a_dimension_are_not(self):
        try:
            import torch
        except ImportError:
            self.skipTest("torch is not installed for this interpreter")
        weight = torch.tensor(2.0, requires_grad=True)
        run = orrery.init(project=self.project, run_id="torch")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run.log({"t": torch.tensor(1.5), "grad": weight * 3, "int": torch.tensor(3), "half": torch.tensor(0.5, dtype=torch.float16),
                     "vector": torch.tensor([1.0]), "matrix": torch.ones(2, 2)}, step=torch.tensor(5))
        run.finish()
        series = self.metrics_of("torch")
        self.assertEqual({key: [(p[0], p[2]) for p in points] for key, points in series.items()},
                         {"t": [(5.0, 1.5)], "grad": [(5.0, 6.0)], "int": [(5.0, 3.0)], "half": [(5.0, 0.5)]})
        self.assertEqual(sorted(str(w.message).split("'")[1] for w in caught), ["matrix", "vector"])

    def test_bad_values_and_bad_keys_warn_once_each_and_are_skipped(self):
        run = orrery.init(project=self.project, run_id="bad")
        bad = {"text": "1.5", "none": None, "list": [1.0], "complex": 1j, "huge": 10 ** 400, "object": object(), "": 1.0, 7: 1.0, "x" * 251: 1.0, "\u00e9" * 126: 1.0}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for step in range(3):
                run.log(dict(bad, ok=float(step), **{"\u00e9" * 125: 2.0}))
            run.log("not a dict")
        run.finish()
        messages = [str(w.message) for w in caught if issubclass(w.category, orrery.OrreryWarning)]
        self.assertEqual(len(messages), len(bad) + 1, messages)
        self.assertTrue(all(w.filename == __file__ for w in caught), [w.filename for w in caught])
        series = self.metrics_of("bad")
        self.assertEqual(sorted(series), sorted(["ok", "\u00e9" * 125]))
        self.assertEqual([(p[0], p[2]) for p in series["ok"]], [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)])
        events = self.events_of("bad")
        self.assertEqual(len([e for e in events if e["t"] == "warning"]), len(bad) + 1)

    def test_params_tags_and_a_buffer_flushed_by_the_background_thread(self):
        run = orrery.init(project=self.project, run_id="bg")
        run.log_params({"epochs": 3, "inf": float("inf")})
        run.add_tags("x", ["y", "z"], "x")
        run.log({"loss": 1.0})
        metrics = os.path.join(self.run_dir("bg"), "metrics.%s.bin" % run.writer)
        deadline = time.time() + 10
        while not os.path.exists(metrics) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual([p[2] for p in read_metrics(metrics)["loss"]], [1.0])
        run.finish()
        events = self.events_of("bg")
        self.assertEqual(events[1], {"t": "params", "params": {"epochs": 3, "inf": "Infinity"}})
        self.assertEqual(events[2], {"t": "tags", "tags": ["x", "y", "z"]})

    def test_threads_logging_at_once_lose_no_point(self):
        import threading

        run = orrery.init(project=self.project, run_id="threads")

        def work(index):
            for step in range(6000):
                run.log({"t%d" % index: float(step), "shared": float(index)}, step=step)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run.finish()
        series = self.metrics_of("threads")
        for index in range(4):
            self.assertEqual([p[2] for p in series["t%d" % index]], [float(s) for s in range(6000)])
        self.assertEqual(sorted(p[2] for p in series["shared"]), sorted(float(i) for i in range(4) for _ in range(6000)))

    def test_context_manager_records_finished_or_failed(self):
        with orrery.init(project=self.project, run_id="ok") as run:
            run.log({"a": 1.0})
        with self.assertRaises(ZeroDivisionError):
            with orrery.init(project=self.project, run_id="boom") as run:
                run.log({"a": 1.0})
                1 / 0
        self.assertEqual(self.events_of("ok")[-1]["status"], "finished")
        self.assertEqual(self.events_of("boom")[-1]["status"], "failed")
        self.assertEqual(len(self.metrics_of("boom")["a"]), 1)
        run.log({"a": 2.0})  # after finish: ignored, no error
        self.assertEqual(len(self.metrics_of("boom")["a"]), 1)


class ProcessEndTest(SdkTestCase):
    def test_atexit_finishes_an_unfinished_run(self):
        self.script("""
            import orrery
            run = orrery.init(run_id="exit")
            for i in range(5):
                run.log({"loss": 1.0 / (i + 1)})
        """)
        self.assertEqual(self.events_of("exit")[-1]["status"], "finished")
        self.assertEqual([p[0] for p in self.metrics_of("exit")["loss"]], [0.0, 1.0, 2.0, 3.0, 4.0])

    def test_an_uncaught_exception_records_failed(self):
        result = self.script("""
            import orrery
            run = orrery.init(run_id="crash")
            run.log({"loss": 1.0})
            raise RuntimeError("diverged")
        """, expect_ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"diverged", result.stderr)
        last = self.events_of("crash")[-1]
        self.assertEqual((last["t"], last["status"], last["exit_code"]), ("finish", "failed", 1))
        self.assertEqual(len(self.metrics_of("crash")["loss"]), 1)

    def test_sigterm_records_killed_and_the_process_dies_by_sigterm(self):
        process = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
            import sys, orrery
            run = orrery.init(run_id="term")
            step = 0
            while True:
                run.log({"loss": 1.0, "acc": 0.5}, step=step)
                step += 1
                if step == 1000:
                    print("ready", flush=True)
        """)], env=sdk_env(self.project), cwd=self.base, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            self.assertEqual(process.stdout.readline(), b"ready\n")
            process.send_signal(signal.SIGTERM)
            process.wait(SUBPROCESS_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()
            process.stderr.close()
        self.assertEqual(process.returncode, -signal.SIGTERM)
        self.assertEqual(self.events_of("term")[-1]["status"], "killed")
        series = self.metrics_of("term")
        self.assertGreaterEqual(len(series["loss"]), 1000)
        self.assertEqual(len(series["loss"]), len(series["acc"]))
        self.assertEqual([p[0] for p in series["loss"]], [float(i) for i in range(len(series["loss"]))])

    def test_an_existing_sigterm_handler_is_left_in_place(self):
        result = self.script("""
            import signal, orrery
            def mine(signum, frame):
                pass
            signal.signal(signal.SIGTERM, mine)
            orrery.init(run_id="handler")
            print(signal.getsignal(signal.SIGTERM) is mine)
        """)
        self.assertEqual(result.stdout, b"True\n")

    def test_two_processes_with_one_run_id_write_two_writer_files(self):
        code = """
            import orrery
            run = orrery.init(run_id="shared", params={"p": %d})
            run.log({"loss": %d.0})
        """
        self.script(code % (1, 1))
        self.script(code % (2, 2))
        folder = self.run_dir("shared")
        self.assertEqual(len(glob.glob(os.path.join(folder, "events.*.jsonl"))), 2)
        metrics = sorted(glob.glob(os.path.join(folder, "metrics.*.bin")))
        self.assertEqual(len(metrics), 2)
        self.assertEqual(sorted(read_metrics(m)["loss"][0][2] for m in metrics), [1.0, 2.0])
        self.assertEqual(load_json(os.path.join(folder, "run.json"))["params"], {"p": 1})
        added = [e for path in glob.glob(os.path.join(folder, "events.*.jsonl")) for e in read_events(path) if e["t"] == "params"]
        self.assertEqual(added, [{"t": "params", "params": {"p": 2}}])

    def test_a_job_run_json_is_kept_and_the_script_params_become_events(self):
        folder = self.run_dir("job")
        os.makedirs(folder)
        written = {"version": 1, "id": "job", "name": "from-job", "source": "job", "job_id": "j1", "params": {}, "tags": []}
        with open(os.path.join(folder, "run.json"), "w") as handle:
            json.dump(written, handle)
        before = read_bytes(os.path.join(folder, "run.json"))
        self.script("""
            import orrery
            orrery.init(params={"lr": 0.5}, tags=["t"]).finish()
        """, env=sdk_env(self.project, ORRERY_RUN_ID="job", ORRERY_JOB_ID="j1"))
        self.assertEqual(read_bytes(os.path.join(folder, "run.json")), before)
        self.assertEqual([e["t"] for e in self.events_of("job")], ["start", "params", "tags", "finish"])
        self.script("orrery = __import__('orrery'); orrery.init().finish()", env=sdk_env(self.project, ORRERY_RUN_ID="job2", ORRERY_JOB_ID="j2"))
        self.assertEqual(load_json(os.path.join(self.run_dir("job2"), "run.json"))["job_id"], "j2")

    def test_the_project_is_found_by_walking_up_from_the_current_folder(self):
        inner = os.path.join(self.project, "src", "deep")
        os.makedirs(inner)
        self.script("import orrery; orrery.init(run_id='walk').log({'a': 1})", env=sdk_env(None), cwd=inner)
        self.assertEqual(len(self.metrics_of("walk")["a"]), 1)

    def test_a_forked_child_joins_the_run_with_its_own_writer(self):
        self.script("""
            import os, orrery
            run = orrery.init(run_id="fork")
            run.log({"a": 1.0})
            pid = os.fork()
            if pid == 0:
                run.log({"a": 2.0})
                run.finish()
                os._exit(0)
            os.waitpid(pid, 0)
            run.finish()
        """)
        files = sorted(glob.glob(os.path.join(self.run_dir("fork"), "metrics.*.bin")))
        self.assertEqual(len(files), 2)
        self.assertEqual(sorted(read_metrics(f)["a"][0][2] for f in files), [1.0, 2.0])
        for path in glob.glob(os.path.join(self.run_dir("fork"), "events.*.jsonl")):
            self.assertEqual([e["t"] for e in read_events(path)], ["start", "finish"])


class ArtifactTest(SdkTestCase):
    def test_put_hashes_lays_out_and_keeps_an_existing_blob(self):
        source = os.path.join(self.base, "model.bin")
        content = os.urandom(3 * 1024 * 1024 + 17)
        with open(source, "wb") as handle:
            handle.write(content)
        digest = hashlib.sha256(content).hexdigest()
        run = orrery.init(project=self.project, run_id="art")
        blob = run.log_artifact(source)
        self.assertEqual(blob, os.path.join(self.project, ".orrery", "artifacts", "sha256", digest[:2], digest[2:]))
        self.assertEqual(read_bytes(blob), content)
        first = os.stat(blob)
        run.log({"loss": 1.0}, step=7)
        self.assertEqual(run.save_checkpoint(source), blob)
        self.assertEqual(os.stat(blob).st_ino, first.st_ino)
        self.assertEqual(orrery.latest_checkpoint(), blob)
        self.assertEqual(os.listdir(os.path.join(self.project, ".orrery", "artifacts", "tmp")), [])
        run.finish()
        stored = [e for e in self.events_of("art") if e["t"] == "artifact"]
        self.assertEqual([(e["name"], e["sha256"], e["size"], e["kind"], e["step"]) for e in stored], [
            ("model.bin", digest, len(content), "artifact", None),
            ("model.bin", digest, len(content), "checkpoint", 7),
        ])

    def test_a_missing_file_warns_and_records_artifact_error(self):
        run = orrery.init(project=self.project, run_id="missing")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.assertIsNone(run.log_artifact(os.path.join(self.base, "nope.pt"), name="weights"))
        run.finish()
        self.assertEqual(len(caught), 1)
        error = [e for e in self.events_of("missing") if e["t"] == "artifact_error"]
        self.assertEqual(error[0]["name"], "weights")
        self.assertIn("No such file", error[0]["message"])

    def test_a_full_disk_during_a_put_leaves_no_temp_file_and_the_script_goes_on(self):
        result = self.script("""
            import os, resource, signal, warnings, orrery
            warnings.simplefilter("always")
            big = os.path.join(os.environ["BASE"], "big.bin")
            with open(big, "wb") as handle:
                handle.write(b"x" * (2 * 1024 * 1024))
            run = orrery.init(run_id="full")
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, hard))
            print(run.log_artifact(big))
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            print("still running")
            run.finish()
        """, env=sdk_env(self.project, BASE=self.base))
        self.assertEqual(result.stdout, b"None\nstill running\n")
        self.assertIn(b"File too large", result.stderr)
        self.assertEqual(os.listdir(os.path.join(self.project, ".orrery", "artifacts", "tmp")), [])
        self.assertFalse(os.path.exists(os.path.join(self.project, ".orrery", "artifacts", "sha256")))
        error = [e for e in self.events_of("full") if e["t"] == "artifact_error"]
        self.assertEqual(len(error), 1)
        self.assertIn("File too large", error[0]["message"])

    def test_latest_checkpoint_prefers_orrery_resume(self):
        self.assertIsNone(orrery.latest_checkpoint())
        saved = os.path.join(self.base, "ckpt.pt")
        with open(saved, "wb") as handle:
            handle.write(b"weights")
        with mock.patch.dict(os.environ, {"ORRERY_RESUME": saved}):
            self.assertEqual(orrery.latest_checkpoint(), saved)
        with mock.patch.dict(os.environ, {"ORRERY_RESUME": os.path.join(self.base, "gone.pt")}):
            self.assertIsNone(orrery.latest_checkpoint())
            run = orrery.init(project=self.project, run_id="ck")
            blob = run.save_checkpoint(saved, step=3)
            self.assertEqual(orrery.latest_checkpoint(), blob)
        run.finish()


class FailureTest(SdkTestCase):
    def test_a_failed_metrics_write_warns_once_drops_the_batch_and_later_writes_succeed(self):
        result = self.script("""
            import os, resource, signal, warnings, orrery
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            run = orrery.init(run_id="efbig")
            run.log({"a": -1.0}, step=-1)
            run.flush()
            soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            limit = os.path.getsize(os.path.join(run.dir, "metrics.%s.bin" % run.writer)) + 600000
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for step in range(30000):
                    run.log({"a": float(step)}, step=step)
                run.flush()
            print(len(caught), [str(w.message) for w in caught])
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            run.log({"a": 1e6}, step=10 ** 6)
            run.finish()
            print("done")
        """, env=sdk_env(self.project))
        lines = result.stdout.decode().splitlines()
        self.assertTrue(lines[0].startswith("1 ") and "File too large" in lines[0], lines)
        self.assertEqual(lines[-1], "done")
        steps = [p[0] for p in self.metrics_of("efbig")["a"]]  # read_metrics fails on a torn frame
        self.assertEqual((steps[0], steps[-1]), (-1.0, 1e6))
        self.assertLess(len(steps), 30002)  # some batches were dropped…
        self.assertGreater(len(steps), 2)  # …and those that fit were kept whole
        warned = [e for e in self.events_of("efbig") if e["t"] == "warning"]
        self.assertEqual(len(warned), 1)
        self.assertTrue(warned[0]["message"].startswith("could not write metrics") and "File too large" in warned[0]["message"], warned)

    def test_without_a_project_init_warns_once_and_answers_a_run_that_does_nothing(self):
        empty = os.path.join(self.base, "elsewhere")
        os.makedirs(empty)
        result = self.script("""
            import warnings, orrery
            warnings.simplefilter("always")
            with warnings.catch_warnings(record=True) as caught:
                run = orrery.init(params={"a": 1})
                run.log({"loss": 1.0})
                run.log_params({"b": 2})
                run.add_tags("x")
                print(run.log_artifact(__file__ if "__file__" in globals() else "/etc/hostname"))
                run.finish()
                again = orrery.init()
                again.log({"loss": 1.0})
            print(len(caught), caught[0].category is orrery.OrreryWarning, orrery.run is again)
        """, env=sdk_env(None), cwd=empty)
        self.assertEqual(result.stdout, b"None\n1 True True\n")
        self.assertEqual(os.listdir(empty), [])
        self.assertFalse(os.path.exists(os.path.join(self.project, ".orrery", "tracking")))


if __name__ == "__main__":
    unittest.main()
