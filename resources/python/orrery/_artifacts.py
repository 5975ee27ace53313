"""The project's content-addressed store, written the way Orrery's ArtifactStore writes it.

Stream into `.orrery/artifacts/tmp/<random>.part` while hashing, fsync, then rename to
`.orrery/artifacts/sha256/<2 hex>/<62 hex>`; an existing blob of the right size is kept. A blob path never
holds partial content, and a failure leaves no temp file behind.
"""
import hashlib
import os
import uuid

_CHUNK = 1 << 20


def store_file(project, source):
    """Copies the file `source` into the store of `project`; answers (sha256 hex, size, blob path).

    Raises OSError (missing, unreadable, disk full, file too large…) after removing its temp file.
    """
    root = os.path.join(project, ".orrery", "artifacts")
    tmp_dir = os.path.join(root, "tmp")
    temp = os.path.join(tmp_dir, "%s.part" % uuid.uuid4().hex[:24])
    made = False
    try:
        with open(source, "rb") as reader:
            os.makedirs(tmp_dir, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
            made = True
            try:
                digest, size = _copy_hashing(reader, fd)
                os.fsync(fd)
            finally:
                os.close(fd)
        target = os.path.join(root, "sha256", digest[:2], digest[2:])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if _size_of(target) == size:
            os.unlink(temp)
        else:  # missing, or damaged (wrong size): the fresh copy replaces it atomically
            os.replace(temp, target)
            _sync_directory(os.path.dirname(target))
        made = False
        return digest, size, target
    finally:
        if made:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _copy_hashing(reader, fd):
    digest = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    size = 0
    while True:
        count = reader.readinto(buffer)
        if not count:
            break
        chunk = view[:count]
        digest.update(chunk)
        done = 0
        while done < count:
            wrote = os.write(fd, chunk[done:])
            if wrote <= 0:
                raise OSError("could not write to the artifact store")
            done += wrote
        size += count
    return digest.hexdigest(), size


def _size_of(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _sync_directory(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
