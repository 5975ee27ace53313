"""Orrery's environment probe: prints one JSON object describing the interpreter that runs it.

Runs on any Python from 2.7 on (pyenv keeps old ones), so it uses no f-strings and no walrus; it only looks
up modules (never imports ipykernel or pip) to stay fast.
"""
import json
import os
import sys
import sysconfig


def has_module(name):
    """True when `name` is importable, without importing it."""
    try:
        import importlib.util
        return importlib.util.find_spec(name) is not None
    except ImportError:
        import imp
        try:
            imp.find_module(name)
            return True
        except ImportError:
            return False
    except Exception:
        return False


def base_prefix():
    """The base interpreter's prefix (differs from sys.prefix inside a venv or an old virtualenv)."""
    return getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix))


def kind_of(prefix, base):
    """venv, uv (a venv uv made), conda, or base (the caller tells system from pyenv by path)."""
    if os.path.isdir(os.path.join(prefix, "conda-meta")):
        return "conda"
    cfg = os.path.join(prefix, "pyvenv.cfg")
    if os.path.isfile(cfg):
        try:
            with open(cfg) as handle:
                for line in handle:
                    if line.split("=")[0].strip().lower() == "uv":
                        return "uv"
        except (IOError, OSError):
            pass
        return "venv"
    if prefix != base or hasattr(sys, "real_prefix"):
        return "venv"
    return "base"


def main():
    paths = sysconfig.get_paths()
    info = {
        "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "prefix": sys.prefix,
        "base_prefix": base_prefix(),
        "executable": sys.executable,
        "kind": kind_of(sys.prefix, base_prefix()),
        "ipykernel": has_module("ipykernel"),
        "pip": has_module("pip"),
        "purelib": paths.get("purelib"),
        "platlib": paths.get("platlib"),
        "scripts": paths.get("scripts"),
    }
    sys.stdout.write(json.dumps(info))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
