"""A run as one process records it: metrics buffered in columns, events and frames appended to its files."""
import os
import platform
import socket
import sys
import threading
import time
import uuid

from . import _lifecycle, _state
from ._artifacts import store_file
from ._spool import METRICS_MAGIC, Appender, create_run_json, encode_frames, git_commit, json_line, new_column
from ._values import clean_tags, json_safe, key_problem, to_number
from ._warn import warn

#: Buffered points that trigger a flush from `log` itself.
FLUSH_POINTS = 10000
#: How often the background thread flushes what is buffered.
FLUSH_SECONDS = 1.0
STATUSES = ("finished", "failed", "killed")

_time = time.time
_get_ident = threading.get_ident


def _for_run_page(message):
    """A warning as the run page shows it: without the "orrery: " that tells it apart in a terminal."""
    return message[len("orrery: "):] if message.startswith("orrery: ") else message


class Run(object):
    """One run of a script. Every method is safe to call from any thread and never raises for bad input;
    a run without a project (or after `finish`) accepts every call and records nothing."""

    def __init__(self, run_id, name, project=None, params=None, tags=None):
        self.id = run_id
        self.name = name
        self.project = project
        self.dir = os.path.join(project, ".orrery", "tracking", run_id) if project else None
        self.enabled = False
        self._finished = True
        self._lock = threading.RLock()
        self._holder = None
        self._term_pending = False
        self._columns = {}
        self._bad_keys = set()
        self._warned = set()
        self._pending = 0
        self._flush_at = FLUSH_POINTS
        self._step = -1.0
        self._last_checkpoint = None
        self._stop = threading.Event()
        self._started = False
        self._events = self._metrics = None
        if project is not None:
            self._open(params, tags)

    def __repr__(self):
        return "<orrery.Run %s %r%s>" % (self.id, self.name, "" if self.enabled else " (not recorded)")

    # ---- opening -------------------------------------------------------------------------------------

    def _open(self, params, tags):
        try:
            os.makedirs(self.dir, exist_ok=True)
            self._new_writer()
            created = create_run_json(self.dir, self._run_record(params, tags))
        except (OSError, ValueError) as error:
            warn("orrery: cannot write the run folder %s (%s); this run is not recorded" % (self.dir, getattr(error, "strerror", None) or error))
            return
        self.enabled = True
        self._finished = False
        self._write_start()
        if not created:  # a job (or another process) wrote run.json first: what this process adds are events
            if params:
                self._event({"t": "params", "params": json_safe(params)})
            if tags:
                self._event({"t": "tags", "tags": clean_tags(tags)})
        self._start_flusher()

    def _new_writer(self):
        self._pid = os.getpid()
        self.writer = "%d-%s" % (self._pid, uuid.uuid4().hex[:8])
        self._events = Appender(os.path.join(self.dir, "events.%s.jsonl" % self.writer))
        self._metrics = Appender(os.path.join(self.dir, "metrics.%s.bin" % self.writer), METRICS_MAGIC)

    def _run_record(self, params, tags):
        argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
        code_dir = os.path.dirname(os.path.abspath(argv0)) if argv0 and os.path.isfile(argv0) else os.getcwd()
        return {
            "version": 1,
            "id": self.id,
            "name": self.name,
            "created_at": _time(),
            "params": json_safe(params or {}),
            "tags": clean_tags(tags or ()),
            "source": "sdk",
            "job_id": os.environ.get("ORRERY_JOB_ID") or None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "argv": [str(arg) for arg in sys.argv],
            "cwd": os.getcwd(),
            "git_commit": git_commit(code_dir),
            "python": platform.python_version(),
        }

    def _write_start(self):
        self._started = True
        self._append(self._events, json_line({"t": "start", "time": _time(), "pid": os.getpid()}), "an event")

    def _start_flusher(self):
        self._stop = threading.Event()
        thread = threading.Thread(target=self._flush_loop, args=(self._stop,), name="orrery-flush", daemon=True)
        thread.start()

    def _flush_loop(self, stop):
        while not stop.wait(FLUSH_SECONDS):
            if self._pending:
                self.flush()

    # ---- the critical section ------------------------------------------------------------------------

    def _enter(self):
        """Takes the run's lock; answers the previous holder (not None when this thread already held it)."""
        self._lock.acquire()
        previous = self._holder
        self._holder = _get_ident()
        return previous

    def _leave(self, previous):
        self._holder = previous
        self._lock.release()
        if previous is None and self._term_pending:
            self._leave_pending()

    # ---- metrics -------------------------------------------------------------------------------------

    def log(self, data, step=None):
        """Buffers one point per key of `data` at `step` (None: the previous step + 1, 0 first).

        Numbers (int, float, bool, numpy and torch scalars) become float64, NaN and ±Inf kept; a key whose
        value is not one number, or a key that is not a non-empty str of at most 250 UTF-8 bytes, is
        skipped with one warning per key.
        """
        if self._finished:
            return
        try:
            items = data.items
        except AttributeError:
            self._warn_once(("data",), "orrery: run.log takes a dict of {key: number}, got %s; ignored" % type(data).__name__)
            return
        now = _time()
        self._lock.acquire()
        self._holder = _get_ident()
        try:
            if step is None:
                step = self._step + 1.0
            elif type(step) is not float:
                step = self._coerce_step(step)
            self._step = step
            columns = self._columns
            count = 0
            for key, value in items():
                column = columns.get(key)
                if column is None:
                    column = self._new_column(key)
                    if column is None:
                        continue
                kind = type(value)
                if kind is not float and kind is not int:
                    value = self._coerce_value(key, value)
                    if value is None:
                        continue
                try:
                    column[2].append(value)
                except OverflowError:
                    self._bad_value(key, value)
                    continue
                column[0].append(step)
                column[1].append(now)
                count += 1
            self._pending += count
            if self._pending >= self._flush_at:
                self._after_threshold()
        finally:
            self._holder = None
            self._lock.release()
        if self._term_pending:
            self._leave_pending()

    def _leave_pending(self):
        if threading.current_thread() is threading.main_thread():
            self._term_pending = False
            _lifecycle.terminate()

    def _coerce_step(self, step):
        number = to_number(step)
        if number is None or number != number:
            self._warn_once(("step",), "orrery: step %r is not a number; the next step (%g) is used instead" % (step, self._step + 1.0))
            return self._step + 1.0
        return number

    def _new_column(self, key):
        if key in self._bad_keys:
            return None
        problem = key_problem(key)
        if problem is not None:
            self._bad_keys.add(key)
            self._warn_once(("key", key), "orrery: %s; the key is skipped" % problem)
            return None
        column = self._columns[key] = new_column(key)
        return column

    def _coerce_value(self, key, value):
        number = to_number(value)
        if number is None:
            self._bad_value(key, value)
        return number

    def _bad_value(self, key, value):
        try:
            shown = " ".join(repr(value).split())
        except Exception:
            shown = "?"
        if len(shown) > 60:
            shown = shown[:57] + "..."
        self._warn_once(("value", key), "orrery: metric %r got %s (%s), not one number; skipped (warned once per key)" % (key, shown, type(value).__name__))

    def _after_threshold(self):
        if self._flush_at != FLUSH_POINTS:  # first log in a forked child: it needs its own flush thread
            self._flush_at = FLUSH_POINTS
            self._start_flusher()
        if self._pending >= FLUSH_POINTS:
            self._flush_locked()

    def flush(self):
        """Writes every buffered point now (one write for all keys)."""
        if self._finished:
            return
        previous = self._enter()
        try:
            self._flush_locked()
        finally:
            self._leave(previous)

    def _flush_locked(self):
        if not self._pending or not self.enabled:
            return
        data = encode_frames(self._columns)
        self._pending = 0
        if data:
            self._append(self._metrics, data, "metrics")

    # ---- events --------------------------------------------------------------------------------------

    def _event(self, record):
        previous = self._enter()
        try:
            if self.enabled and self._events is not None and not self._finished:
                self._append(self._events, json_line(record), "an event")
        finally:
            self._leave(previous)

    def _append(self, appender, data, what):
        if not self._started:  # a forked child joins the run on its first write
            self._write_start()
        error = appender.write(data)
        if error is None:
            return True
        if not appender.failing:
            appender.failing = True
            message = "orrery: could not write %s to %s (%s); dropped, later writes are retried" % (what, appender.path, error.strerror or error)
            warn(message)
            if appender is not self._events:
                self._events.write(json_line({"t": "warning", "message": _for_run_page(message), "time": _time()}))
        return False

    def _warn_once(self, tag, message):
        if tag in self._warned:
            return
        self._warned.add(tag)
        warn(message)
        self._event({"t": "warning", "message": _for_run_page(message), "time": _time()})

    def log_params(self, params):
        """Merges `params` into the run's (later keys win); values JSON cannot hold are written as text."""
        if self._finished:
            return
        if not isinstance(params, dict):
            self._warn_once(("params",), "orrery: log_params takes a dict, got %s; ignored" % type(params).__name__)
            return
        if params:
            self._event({"t": "params", "params": json_safe(params)})

    def add_tags(self, *tags):
        """Adds tags (strings; a list argument is flattened)."""
        if self._finished:
            return
        cleaned = clean_tags(tags)
        if cleaned:
            self._event({"t": "tags", "tags": cleaned})

    # ---- artifacts -----------------------------------------------------------------------------------

    def log_artifact(self, path, name=None):
        """Copies the file at `path` into the project's artifact store; answers the blob's path, or None."""
        return self._store(path, name, "artifact", None)

    def save_checkpoint(self, path, step=None):
        """Stores a checkpoint file like `log_artifact`, at `step` (None: the last step logged, if any)."""
        if step is None:
            step = self._step if self._step >= 0 else None
        else:
            step = to_number(step)
        return self._store(path, None, "checkpoint", step)

    def _store(self, path, name, kind, step):
        if self._finished:
            return None
        try:
            source = os.fspath(path)
        except TypeError:
            source = str(path)
        label = str(name) if name else os.path.basename(str(source)) or str(source)
        try:
            digest, size, blob = store_file(self.project, source)
        except Exception as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            message = "could not store %s %r: %s (%s)" % (kind, label, reason, source)
            warn("orrery: " + message)
            self._event({"t": "artifact_error", "name": label, "message": message, "time": _time()})
            return None
        if step is not None and step == int(step) and abs(step) < 2 ** 53:
            step = int(step)
        self._event({"t": "artifact", "name": label, "sha256": digest, "size": size, "kind": kind, "step": step, "time": _time()})
        if kind == "checkpoint":
            self._last_checkpoint = blob
        return blob

    # ---- the end -------------------------------------------------------------------------------------

    def finish(self, status="finished", exit_code=None):
        """Flushes and records the end of this process's part of the run; later calls do nothing."""
        if self._finished:
            _state.forget(self)
            return
        if status not in STATUSES:
            warn("orrery: finish status %r is not one of %s; 'finished' is recorded" % (status, ", ".join(STATUSES)))
            status = "finished"
        previous = self._enter()
        try:
            if self._finished:
                return
            self._flush_locked()
            if self._started:
                code = to_number(exit_code) if exit_code is not None else None
                record = {"t": "finish", "status": status, "time": _time(), "exit_code": int(code) if code is not None and code == code and abs(code) < 2 ** 31 else None}
                self._append(self._events, json_line(record), "an event")
            self._finished = True
            self._stop.set()
            self._events.close()
            self._metrics.close()
        finally:
            self._leave(previous)
            _state.forget(self)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None or (issubclass(kind, SystemExit) and value is not None and value.code in (0, None)):
            self.finish("finished")
        else:
            self.finish("failed")
        return False

    # ---- fork ----------------------------------------------------------------------------------------

    def _reset_in_child(self):
        """After fork, in the child: a fresh lock and its own writer files, made on its first write; the
        parent's buffered points stay the parent's."""
        self._lock = threading.RLock()
        self._holder = None
        self._term_pending = False
        for steps, times, values, _length, _key in self._columns.values():
            del steps[:], times[:], values[:]
        self._pending = 0
        for appender in (self._events, self._metrics):
            if appender is not None:
                appender.close()
        self._new_writer()
        self._started = False
        self._stop = threading.Event()
        self._flush_at = 0  # the first log starts this process's flush thread
