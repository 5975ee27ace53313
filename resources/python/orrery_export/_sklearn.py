"""scikit-learn: a pickled estimator (or pipeline) converted by skl2onnx, when the env has it."""

from __future__ import annotations

import os
import pickle
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ._protocol import ExportError


def load_sklearn(request: Dict[str, Any]) -> Tuple[Any, Optional[List[int]]]:
    """The unpickled estimator (joblib or pickle files) and its [n_features_in_] when it declares it."""
    path = request["modelFile"]
    try:
        try:
            import joblib

            model = joblib.load(path)
        except ImportError:
            with open(path, "rb") as handle:
                model = pickle.load(handle)
    except Exception as error:  # noqa: BLE001 - any unreadable pickle is the same answer
        raise ExportError("invalid_file", f"{os.path.basename(path)} could not be unpickled as a scikit-learn model ({type(error).__name__}: {error}).") from error
    if not hasattr(model, "predict"):
        raise ExportError("invalid_input", f"{os.path.basename(path)} holds a {type(model).__name__}, not a fitted scikit-learn estimator (it has no predict).")
    features = getattr(model, "n_features_in_", None)
    return model, [int(features)] if features is not None else None


def _is_classifier(model: Any) -> bool:
    return hasattr(model, "predict_proba") and hasattr(model, "classes_")


def run_sklearn(model: Any, inputs: np.ndarray) -> Tuple[List[str], List[np.ndarray]]:
    """Reference outputs named as in skl2onnx's graph: a classifier's probabilities (its label output follows from
    them and may hold strings, so parity compares the probabilities), or a regressor's variable."""
    flat = inputs.reshape(inputs.shape[0], -1)
    if _is_classifier(model):
        return ["probabilities"], [np.asarray(model.predict_proba(flat), dtype=np.float32)]
    prediction = np.asarray(model.predict(flat), dtype=np.float32)
    return ["variable"], [prediction.reshape(prediction.shape[0], -1)]


def export_sklearn(model: Any, features: int, file: str, opset: Optional[int]) -> int:
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError as error:
        raise ExportError(
            "unavailable",
            f"Exporting scikit-learn models needs skl2onnx, which this environment lacks ({error}). Install it into the env (pip install skl2onnx) or pick an env that has it (--env NAME).",
        ) from error
    options = {id(model): {"zipmap": False}} if _is_classifier(model) else None
    try:
        onnx_model = convert_sklearn(model, initial_types=[("input", FloatTensorType([None, features]))], target_opset=opset, options=options)
    except Exception as error:  # noqa: BLE001 - unsupported estimators are named by skl2onnx
        raise ExportError("invalid_input", f"skl2onnx could not convert {type(model).__name__}: {type(error).__name__}: {str(error)[:1500]}") from error
    with open(file, "wb") as handle:
        handle.write(onnx_model.SerializeToString())
    used = [o.version for o in onnx_model.opset_import if o.domain in ("", "ai.onnx")]
    return int(used[0]) if used else int(opset or 0)
