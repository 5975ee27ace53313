"""What the SDK keeps per process: the active run, the runs not yet finished, what the exit hooks saw."""

#: The run `orrery.init` made last (also a no-op run); None after it finishes.
active = None
#: Recording runs of this process that have not finished (atexit, SIGTERM and fork walk them).
runs = []
#: The type of the exception that is ending the interpreter, seen by the sys.excepthook wrapper.
uncaught = None
#: Warnings already shown once per process (no project, a bad run id).
warned = set()


def activate(run):
    global active
    active = run
    if run.enabled and run not in runs:
        runs.append(run)


def forget(run):
    global active
    if run in runs:
        runs.remove(run)
    if active is run:
        active = None
