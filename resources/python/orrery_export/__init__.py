"""Export a model file to ONNX with the env's own Python (run by Orrery as ``python -m orrery_export REQUEST.json``).

PyTorch checkpoints (with the model's class or factory), TorchScript files and scikit-learn pickles become an ONNX
file with a dynamic batch axis. Besides the file, the script writes sample inputs and the original model's outputs
on them, so Orrery checks parity in onnxruntime-node (no Python onnxruntime needed for that). With ``quantize`` it
also writes an int8 copy through ``onnxruntime.quantization.quantize_dynamic``, which needs onnxruntime in the env.

Protocol: one JSON object per stdout line, ``{"progress": {"done", "total", "message"}}`` while working, then
``{"result": {...}}`` (exit 0) or ``{"error": {"code", "message"}}`` (exit 2). Anything else on stdout or stderr
is the model's or a library's own output and is shown as such.
"""
