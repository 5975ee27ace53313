"""How runs end without the script's help: atexit, an uncaught exception, SIGTERM, and fork.

SIGTERM: a handler is installed only where none was (SIG_DFL). It ends every unfinished run with `killed`,
then restores SIG_DFL and sends SIGTERM to this process again, so the exit status still reads "killed by
SIGTERM". When the signal lands while this thread is inside a run's critical section (appending points or
writing a flush), the work is finished first: the run's `_leave` ends it as soon as the section is over.
"""
import atexit
import os
import signal
import sys
import threading

from . import _state

_installed = False
_sigterm_installed = False
_terminating = False


def install():
    """Once per process: the atexit hook, the sys.excepthook wrapper, the fork hook; SIGTERM when allowed."""
    global _installed
    if not _installed:
        _installed = True
        atexit.register(_at_exit)
        previous = sys.excepthook

        def excepthook(kind, value, traceback):
            _state.uncaught = kind
            previous(kind, value, traceback)

        sys.excepthook = excepthook
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
    _install_sigterm()


def _install_sigterm():
    global _sigterm_installed
    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
            _sigterm_installed = True
    except (ValueError, OSError, AttributeError):
        pass


def _on_sigterm(signum, frame):
    me = threading.get_ident()
    for run in list(_state.runs):
        if run._holder == me:
            run._term_pending = True
            return
    terminate()


def terminate():
    """Ends every unfinished run with `killed`, then dies by SIGTERM with the default action."""
    global _terminating
    if _terminating:
        return
    _terminating = True
    for run in list(_state.runs):
        run.finish("killed")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _at_exit():
    failed = _state.uncaught is not None
    for run in list(_state.runs):
        run.finish("failed" if failed else "finished", 1 if failed else None)


def _after_fork_in_child():
    global _terminating
    _terminating = False
    for run in list(_state.runs):
        run._reset_in_child()
