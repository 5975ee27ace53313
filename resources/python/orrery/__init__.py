"""Orrery's Python SDK: record a training run (params, tags, metrics, artifacts, checkpoints) in an Orrery
project by appending to files that Orrery ingests (docs/tracking-spool.md). Standard library only.

    import orrery
    run = orrery.init(params={"lr": 0.1})
    for step in range(100):
        run.log({"loss": loss}, step=step)
    run.finish()
"""
import os

from . import _lifecycle, _state
from ._project import choose_run_id, default_name, find_project
from ._run import Run
from ._warn import OrreryWarning, warn

__all__ = ["init", "finish", "latest_checkpoint", "Run", "OrreryWarning", "run"]
__version__ = "0.1.0"


def init(name=None, params=None, tags=None, project=None, run_id=None):
    """Starts a run and makes it `orrery.run`; finishes the previous active run first.

    project: a project folder (default ORRERY_PROJECT, else the nearest folder at or above the current one
    holding .orrery/project.db). run_id: default ORRERY_RUN_ID, else 32 random hex characters. Without a
    project this warns once and answers a run whose methods do nothing.
    """
    previous = _state.active
    if previous is not None:
        previous.finish()
    if params is not None and not isinstance(params, dict):
        warn("orrery: init(params=...) takes a dict, got %s; ignored" % type(params).__name__)
        params = None
    if isinstance(tags, str):
        tags = [tags]
    chosen_name = str(name) if name else default_name()
    run_id_value, problem = choose_run_id(run_id)
    folder = None
    if problem is None:
        folder, problem = find_project(project)
    if problem is not None:
        if problem not in _state.warned:
            _state.warned.add(problem)
            warn("orrery: " + problem)
        run = Run(run_id_value or "disabled", chosen_name)
    else:
        _lifecycle.install()
        run = Run(run_id_value, chosen_name, folder, params, tags)
    _state.activate(run)
    return run


def finish(status="finished", exit_code=None):
    """Finishes the active run (see Run.finish); does nothing without one."""
    run = _state.active
    if run is not None:
        run.finish(status, exit_code)


def latest_checkpoint():
    """The checkpoint to resume from: ORRERY_RESUME when set and the file exists, else the stored path of the
    last checkpoint the active run saved in this process, else None."""
    resume = os.environ.get("ORRERY_RESUME")
    if resume and os.path.isfile(resume):
        return resume
    run = _state.active
    return run._last_checkpoint if run is not None else None


def __getattr__(name):
    if name == "run":
        return _state.active
    raise AttributeError("module 'orrery' has no attribute %r" % name)
