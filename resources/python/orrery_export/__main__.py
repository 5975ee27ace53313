"""``python -m orrery_export REQUEST.json``: see the package's docstring for the protocol."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List

from ._protocol import ExportError, Progress, emit


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as error:
        raise ExportError("unavailable", f"This environment has no numpy ({error}); install it into the env (pip install numpy).") from error
    return numpy


def _write_metadata(file: str, entries: Dict[str, str], notes: List[str]) -> None:
    """metadata_props of the ONNX file (preprocessing, labels, source), through the onnx package when the env has it."""
    if not entries:
        return
    try:
        import onnx
    except ImportError:
        notes.append("metadata not written: the env has no onnx package")
        return
    model = onnx.load(file)
    existing = {p.key: p for p in model.metadata_props}
    for key, value in entries.items():
        if key in existing:
            existing[key].value = value
        else:
            model.metadata_props.add(key=key, value=value)
    onnx.save(model, file)


def export(request: Dict[str, Any]) -> Dict[str, Any]:
    np = _numpy()
    fmt = request["format"]
    if fmt not in ("pytorch", "torchscript", "sklearn"):
        raise ExportError("invalid_input", f"Export to ONNX takes PyTorch checkpoints, TorchScript files and scikit-learn pickles, not {fmt} models.")
    progress = Progress(5 if request.get("quantize") else 4)
    quantizer = None
    if request.get("quantize"):
        from ._quantize import require_quantizer

        quantizer = require_quantizer()  # before any work: a missing onnxruntime fails at once
    out_dir = request["outDir"]
    os.makedirs(out_dir, exist_ok=True)
    notes: List[str] = []

    progress.step(f"loading {os.path.basename(request['modelFile'])}")
    if fmt == "sklearn":
        from ._sklearn import load_sklearn

        model, inferred = load_sklearn(request)
    else:
        from ._torch import load_pytorch

        model, inferred = load_pytorch(request)
    shape = request.get("inputShape") or inferred
    if not shape:
        raise ExportError("invalid_input", "The input's shape cannot be told from the model: give it without the batch axis (--input-shape 1,28,28).")
    shape = [int(d) for d in shape]

    progress.step(f"running the original on {request['samples']} sample inputs of shape [batch, {', '.join(map(str, shape))}]")
    rng = np.random.default_rng(int(request.get("seed", 0)))
    inputs = rng.standard_normal((int(request["samples"]), *shape)).astype(np.float32)
    if fmt == "sklearn":
        from ._sklearn import run_sklearn

        names, outputs = run_sklearn(model, inputs)
    else:
        from ._torch import run_torch

        try:
            outputs = run_torch(model, inputs)
        except ExportError:
            raise
        except Exception as error:  # noqa: BLE001 - usually a shape that does not fit the first layer
            raise ExportError("invalid_input", f"The model cannot run on inputs of shape [batch, {', '.join(map(str, shape))}]: {type(error).__name__}: {str(error)[:800]}. Give the right --input-shape (without the batch axis).") from error
        names = ["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))]

    onnx_file = os.path.join(out_dir, "model.onnx")
    progress.step("exporting to ONNX")
    opset = request.get("opset")
    if fmt == "sklearn":
        from ._sklearn import export_sklearn

        used_opset = export_sklearn(model, int(np.prod(shape)), onnx_file, opset)
    else:
        from ._torch import export_torch

        # Traced on inputs of its own (batch 2, so no size-1 axis is taken for a constant): parity then runs on
        # data the tracer never saw, which is where values frozen into the graph show.
        trace_input = rng.standard_normal((2, *shape)).astype(np.float32)
        used_opset = export_torch(model, trace_input, len(outputs), onnx_file, opset)

    progress.step("writing metadata and sample tensors")
    metadata = {"orrery.source_format": fmt, "orrery.input_shape": json.dumps(shape), **(request.get("metadata") or {})}
    _write_metadata(onnx_file, {k: str(v) for k, v in metadata.items()}, notes)
    from ._protocol import write_tensors

    described_inputs = write_tensors(out_dir, "input", ["input"], [inputs])
    described_outputs = write_tensors(out_dir, "expected", names, outputs)

    int8_file = None
    if quantizer is not None:
        from ._quantize import quantize

        progress.step("quantizing to int8 (dynamic)")
        int8_file = os.path.join(out_dir, "model.int8.onnx")
        quantize(quantizer, onnx_file, int8_file)
    return {"onnx": onnx_file, "int8": int8_file, "opset": used_opset, "inputShape": shape, "inputs": described_inputs, "outputs": described_outputs, "notes": notes}


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m orrery_export REQUEST.json\n")
        return 2
    with open(sys.argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    project = request.get("projectPath")
    if project and project not in sys.path:
        sys.path.insert(0, project)  # `module:Class` imports from the project
    try:
        emit("result", export(request))
    except ExportError as error:
        emit("error", {"code": error.code, "message": error.message})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
