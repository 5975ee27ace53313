"""Where a run goes: the project folder, the run id, the default run name."""
import os
import re
import sys
import uuid

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


def is_project(folder):
    return os.path.isfile(os.path.join(folder, ".orrery", "project.db"))


def find_project(explicit=None, environ=None, cwd=None):
    """(project folder, None) or (None, why not): the argument, else ORRERY_PROJECT, else the nearest folder
    at or above `cwd` holding .orrery/project.db."""
    environ = os.environ if environ is None else environ
    chosen = explicit if explicit else environ.get("ORRERY_PROJECT") or None
    if chosen:
        folder = os.path.abspath(os.path.expanduser(str(chosen)))
        if is_project(folder):
            return folder, None
        origin = "project=" if explicit else "ORRERY_PROJECT="
        return None, "%s%s is not an Orrery project (it has no .orrery/project.db); this run is not recorded" % (origin, folder)
    folder = os.path.abspath(cwd or os.getcwd())
    while True:
        if is_project(folder):
            return folder, None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None, (
                "no Orrery project found: set ORRERY_PROJECT, pass project= to orrery.init, or run from inside a "
                "project folder (one holding .orrery/project.db); this run is not recorded"
            )
        folder = parent


def choose_run_id(explicit=None, environ=None):
    """(run id, None) or (None, why not): the argument, else ORRERY_RUN_ID, else 32 random lowercase hex."""
    environ = os.environ if environ is None else environ
    chosen = explicit if explicit else environ.get("ORRERY_RUN_ID") or None
    if chosen is None:
        return uuid.uuid4().hex, None
    chosen = str(chosen)
    if not _RUN_ID.match(chosen):
        return None, (
            "run id %r is not usable as a folder name (letters, digits, '_' and '-', at most 128, starting with a "
            "letter or digit); this run is not recorded" % chosen[:80]
        )
    return chosen, None


def script_name():
    """The running script's name without its extension ("python" for -c, a REPL or a notebook kernel)."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    base = os.path.splitext(os.path.basename(argv0))[0]
    if not base or base in ("-c", "-m", "ipykernel_launcher", "__main__"):
        main = sys.modules.get("__main__")
        spec = getattr(main, "__spec__", None)
        if spec is not None and getattr(spec, "name", None) and spec.name != "__main__":
            return spec.name.split(".")[-1] if spec.name.split(".")[-1] != "__main__" else spec.name.split(".")[0]
        return "python"
    return base


def default_name():
    """The script's name plus a short random suffix, e.g. "train-3f9a1c"."""
    return "%s-%s" % (script_name(), uuid.uuid4().hex[:6])
