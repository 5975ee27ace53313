"""int8 dynamic quantization through onnxruntime.quantization (weights int8, activations quantized at run time)."""

from __future__ import annotations

from typing import Any

from ._protocol import ExportError


def require_quantizer() -> Any:
    """onnxruntime.quantization.quantize_dynamic, or a clear error before any work is done."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as error:
        raise ExportError(
            "unavailable",
            f"int8 quantization needs the Python onnxruntime in the environment, which it lacks ({error}). Install it into the env (pip install onnxruntime), pick an env that has it (--env NAME), or export without --quantize.",
        ) from error
    return lambda source, target: quantize_dynamic(source, target, weight_type=QuantType.QInt8)


def quantize(quantizer: Any, source: str, target: str) -> None:
    try:
        quantizer(source, target)
    except Exception as error:  # noqa: BLE001 - onnxruntime's own words
        raise ExportError("invalid_input", f"onnxruntime's quantize_dynamic failed: {type(error).__name__}: {str(error)[:1500]}") from error
