"""Lines Orrery reads from stdout, and the error type that becomes an ``{"error": ...}`` line."""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List

import numpy as np


class ExportError(Exception):
    """A failure the user can act on; ``code`` is one of Orrery's error codes (invalid_input, invalid_file, unavailable)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def emit(kind: str, value: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({kind: value}) + "\n")
    sys.stdout.flush()


class Progress:
    """Counts steps and reports each as ``{"progress": ...}``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def step(self, message: str) -> None:
        emit("progress", {"done": self.done, "total": self.total, "message": message})
        self.done += 1


_dtype_names = {
    np.dtype("float32"): "float32",
    np.dtype("float64"): "float64",
    np.dtype("int64"): "int64",
    np.dtype("int32"): "int32",
    np.dtype("bool"): "bool",
}


def write_tensors(folder: str, prefix: str, names: List[str], arrays: List[np.ndarray]) -> List[Dict[str, Any]]:
    """Writes each array as raw little-endian bytes; answers their descriptions for the result line."""
    import os

    described = []
    for index, (name, array) in enumerate(zip(names, arrays)):
        array = np.ascontiguousarray(array)
        dtype = _dtype_names.get(array.dtype)
        if dtype is None:
            if np.issubdtype(array.dtype, np.floating):
                array, dtype = array.astype(np.float32), "float32"
            elif np.issubdtype(array.dtype, np.integer):
                array, dtype = array.astype(np.int64), "int64"
            else:
                raise ExportError("invalid_input", f"Output {name} has dtype {array.dtype}, which the parity check cannot compare (numbers and booleans only).")
        file = os.path.join(folder, f"{prefix}-{index}.bin")
        with open(file, "wb") as handle:
            handle.write(array.astype(array.dtype.newbyteorder("<")).tobytes())
        described.append({"name": name, "dtype": dtype, "dims": [int(d) for d in array.shape], "file": file})
    return described
