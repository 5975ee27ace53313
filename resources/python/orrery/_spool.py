"""The files of a run folder (docs/tracking-spool.md): append-only writers, metric frames, run.json."""
import json
from array import array
import os
import struct
import sys
import uuid

METRICS_MAGIC = b"ORRMET1\n"
_HEADER = struct.Struct("<II")
_BIG_ENDIAN = sys.byteorder == "big"
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Appender(object):
    """One file this process appends to with O_APPEND, one `os.write` per call.

    The file is opened on first use (and again after a failed open). A write that fails part-way is cut back
    (`ftruncate`) to the last whole record, so a later write never lands after a torn one; only this process
    writes the file, so the size it tracks is the file's. `header` is written first when the file is empty.
    """

    def __init__(self, path, header=b""):
        self.path = path
        self.header = header
        self.fd = None
        self.size = 0
        self.failing = False

    def write(self, data):
        """Appends `data`; answers None on success, else the OSError (the data is dropped)."""
        done = 0
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _O_CLOEXEC, 0o644)
                self.size = os.fstat(self.fd).st_size
            if self.size == 0 and self.header:
                data = self.header + data
            view = memoryview(data)
            total = len(view)
            while done < total:
                wrote = os.write(self.fd, view[done:] if done else view)
                if wrote <= 0:
                    raise OSError("wrote nothing to %s" % self.path)
                done += wrote
            self.size += total
            self.failing = False
            return None
        except OSError as error:
            if done and self.fd is not None:
                try:
                    os.ftruncate(self.fd, self.size)
                except OSError:
                    self.close()  # reopened (and its size re-read) on the next write
            return error

    def close(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def encode_frames(columns):
    """One bytes object holding a frame per key with points; empties the columns it took points from.

    `columns` maps key -> (steps, times, values, key length, padded key) with the key's UTF-8 bytes
    zero-padded to a multiple of 8. Frame: uint32 key length, uint32 count, the padded key, then steps,
    times, values as float64 little-endian; every frame's size is a multiple of 8, so frames stay aligned.
    """
    parts = []
    for steps, times, values, key_length, padded in columns.values():
        count = min(len(steps), len(times), len(values))
        if not count:
            continue
        parts.append(_HEADER.pack(key_length, count))
        parts.append(padded)
        for series in (steps, times, values):
            if len(series) != count:
                del series[count:]
            if _BIG_ENDIAN:
                series.byteswap()
            parts.append(series.tobytes())
            del series[:]
    return b"".join(parts)


def new_column(key):
    """An empty column for `key` (already checked): three float64 arrays, the key length, the padded key."""
    raw = key.encode("utf-8")
    return (array("d"), array("d"), array("d"), len(raw), raw + b"\0" * (-len(raw) % 8))


def json_line(record):
    """One events line: compact strict JSON (ASCII, so any Unicode survives) and its newline, as bytes."""
    return (json.dumps(record, separators=(",", ":"), allow_nan=False, ensure_ascii=True) + "\n").encode("ascii")


def create_run_json(folder, record):
    """Writes run.json only if absent (write a temp file, then link it into place: the first writer wins).

    Answers True when this call created it, False when it already existed.
    """
    target = os.path.join(folder, "run.json")
    if os.path.exists(target):
        return False
    temp = os.path.join(folder, ".run.json.%s.tmp" % uuid.uuid4().hex[:12])
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(record, handle, allow_nan=False, ensure_ascii=True)
    try:
        os.link(temp, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        # A file system without hard links: rename, after one more look (a race here is very unlikely).
        if os.path.exists(target):
            return False
        os.replace(temp, target)
        return True
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def git_commit(start):
    """The commit checked out in the git work tree holding `start`, read from .git without running git."""
    folder = os.path.abspath(start)
    while True:
        dotgit = os.path.join(folder, ".git")
        if os.path.exists(dotgit):
            return _head_commit(dotgit)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _head_commit(dotgit):
    try:
        if os.path.isfile(dotgit):  # a worktree or submodule: "gitdir: <path>"
            with open(dotgit, encoding="utf-8") as handle:
                line = handle.read().strip()
            if not line.startswith("gitdir:"):
                return None
            dotgit = os.path.join(os.path.dirname(dotgit), line[len("gitdir:"):].strip())
        with open(os.path.join(dotgit, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
        if not head.startswith("ref:"):
            return head if _is_sha(head) else None
        ref = head[4:].strip()
        common = dotgit
        commondir = os.path.join(dotgit, "commondir")
        if os.path.isfile(commondir):
            with open(commondir, encoding="utf-8") as handle:
                common = os.path.join(dotgit, handle.read().strip())
        for base in (dotgit, common):
            loose = os.path.join(base, ref)
            if os.path.isfile(loose):
                with open(loose, encoding="utf-8") as handle:
                    sha = handle.read().strip()
                return sha if _is_sha(sha) else None
        packed = os.path.join(common, "packed-refs")
        if os.path.isfile(packed):
            with open(packed, encoding="utf-8") as handle:
                for line in handle:
                    parts = line.strip().split(" ")
                    if len(parts) == 2 and parts[1] == ref and _is_sha(parts[0]):
                        return parts[0]
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _is_sha(text):
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)
