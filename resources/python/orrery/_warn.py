"""The SDK's one warning category and the helper that raises it (the SDK warns; it never raises)."""
import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class OrreryWarning(UserWarning):
    """Something went wrong in recording a run; the script itself goes on unchanged."""


def warn(message):
    """Shows `message` as an OrreryWarning attributed to the first caller outside this package."""
    try:
        warnings.warn(message, OrreryWarning, stacklevel=_outside_level())
    except Exception:  # warnings turned into errors (-W error) must still not stop the script
        pass


def _outside_level():
    level = 1
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back
        level += 1
    return level
