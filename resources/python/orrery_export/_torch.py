"""PyTorch: a checkpoint plus the model's class (or factory), or a TorchScript file, exported with torch.onnx."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

from ._protocol import ExportError

_state_keys = ("model", "state_dict", "model_state_dict", "model_state", "net", "weights")


def import_torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ExportError("unavailable", f"This environment has no PyTorch ({error}); pick an env with torch installed (--env NAME).") from error
    return torch


def _load_checkpoint(torch: Any, path: str) -> Any:
    """torch.load, weights only where this torch offers it; a whole pickled module needs the full unpickler."""
    accepts_weights_only = "weights_only" in inspect.signature(torch.load).parameters
    try:
        if accepts_weights_only:
            try:
                return torch.load(path, map_location="cpu", weights_only=True)
            except Exception as error:  # noqa: BLE001 - retried below only for the weights-only refusal
                if "weights_only" not in str(error) and "Weights only" not in str(error):
                    raise
        return torch.load(path, map_location="cpu")
    except ExportError:
        raise
    except Exception as error:  # noqa: BLE001 - any unreadable file is the same answer
        raise ExportError("invalid_file", f"{os.path.basename(path)} could not be read as a PyTorch checkpoint ({type(error).__name__}: {error}). Is it the file the run saved, unmodified?") from error


def _state_dict_of(torch: Any, loaded: Any) -> Optional[Dict[str, Any]]:
    if isinstance(loaded, dict):
        for key in _state_keys:
            value = loaded.get(key)
            if isinstance(value, dict) and value and all(torch.is_tensor(v) for v in value.values()):
                return value
        if loaded and all(torch.is_tensor(v) for v in loaded.values()):
            return loaded
    return None


def _import_target(spec: str, project: str) -> Any:
    """`module.path:Name` importable from the project, or `path/to/file.py:Name` relative to it."""
    if ":" not in spec:
        raise ExportError("invalid_input", f'"{spec}" is not a model class: write module.path:ClassName (e.g. models.net:Net) or path/to/file.py:ClassName.')
    module_name, _, attribute = spec.rpartition(":")
    try:
        if module_name.endswith(".py") or "/" in module_name or os.sep in module_name:
            file = module_name if os.path.isabs(module_name) else os.path.join(project, module_name)
            if not os.path.isfile(file):
                raise ExportError("invalid_input", f"{module_name} does not exist in the project ({project}); give a file path relative to the project.")
            folder = os.path.dirname(os.path.abspath(file))
            if folder not in sys.path:
                sys.path.insert(0, folder)
            loader = importlib.util.spec_from_file_location(f"orrery_export_target_{abs(hash(file))}", file)
            if loader is None or loader.loader is None:
                raise ExportError("invalid_input", f"{module_name} cannot be imported as a Python module.")
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ExportError:
        raise
    except Exception as error:  # noqa: BLE001 - an import that fails for any reason is reported with its words
        raise ExportError("invalid_input", f"Could not import {module_name} from the project ({project}): {type(error).__name__}: {error}") from error
    target = getattr(module, attribute, None)
    if target is None:
        raise ExportError("invalid_input", f"{module_name} has no {attribute}; check the name after the colon in {spec}.")
    return target


def _build_model(torch: Any, spec: str, class_args: Dict[str, Any], run_params: Dict[str, Any], project: str) -> Any:
    """Calls the class (or factory) with the JSON kwargs; a factory of one parameter (`make_model(args)`, as
    training scripts write it) gets a namespace of the run's params overridden by the kwargs."""
    target = _import_target(spec, project)
    if not callable(target):
        raise ExportError("invalid_input", f"{spec} is not a class or a function.")
    try:
        parameters = [p for p in inspect.signature(target).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    takes_namespace = (
        not inspect.isclass(target)
        and len(parameters) == 1
        and parameters[0].default is inspect.Parameter.empty
        and parameters[0].name not in class_args
    )
    try:
        model = target(argparse.Namespace(**{**run_params, **class_args})) if takes_namespace else target(**class_args)
    except Exception as error:  # noqa: BLE001 - the user's constructor failed: say so with its words
        given = "the run's params and " if takes_namespace else ""
        raise ExportError("invalid_input", f"{spec} could not be built from {given}the arguments {class_args}: {type(error).__name__}: {error}. Give its arguments as JSON (--args).") from error
    if not isinstance(model, torch.nn.Module):
        raise ExportError("invalid_input", f"{spec} built a {type(model).__name__}, not a torch.nn.Module.")
    return model


def load_pytorch(request: Dict[str, Any]) -> Tuple[Any, Optional[List[int]]]:
    """The model in eval mode, and the input shape its first layer implies (None when it cannot be told)."""
    torch = import_torch()
    path = request["modelFile"]
    if request["format"] == "torchscript":
        try:
            model = torch.jit.load(path, map_location="cpu")
        except Exception as error:  # noqa: BLE001
            raise ExportError("invalid_file", f"{os.path.basename(path)} could not be read as a TorchScript file ({type(error).__name__}: {error}).") from error
        return model.eval(), None
    loaded = _load_checkpoint(torch, path)
    if isinstance(loaded, torch.nn.Module):
        return loaded.eval(), _shape_from_state(loaded.state_dict())
    state = _state_dict_of(torch, loaded)
    if state is None:
        keys = ", ".join(list(loaded.keys())[:8]) if isinstance(loaded, dict) else type(loaded).__name__
        raise ExportError("invalid_file", f"No model weights found in {os.path.basename(path)} (it holds {keys}); save the model's state_dict, alone or under a 'model' key.")
    spec = request.get("modelClass")
    if not spec:
        raise ExportError("invalid_input", "A PyTorch checkpoint holds weights only: name the model's class or factory (--class module:Class, e.g. templates/pytorch-classifier/train.py:make_model).")
    model = _build_model(torch, spec, request.get("classArgs") or {}, request.get("runParams") or {}, request["projectPath"])
    try:
        model.load_state_dict(state, strict=True)
    except Exception as error:  # noqa: BLE001 - missing / unexpected keys, size mismatches
        first = str(error).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:6])
        raise ExportError("invalid_input", f"The checkpoint's weights do not fit {spec}: {detail[:1500]}. Check the class and its arguments (--args) match the model that was trained.") from error
    return model.eval(), _shape_from_state(state)


def _shape_from_state(state: Dict[str, Any]) -> Optional[List[int]]:
    """[in_features] when the first weight is a Linear layer's; None otherwise (a conv needs its image size)."""
    for name, tensor in state.items():
        if name.endswith("weight") and hasattr(tensor, "dim"):
            return [int(tensor.shape[1])] if tensor.dim() == 2 else None
    return None


def run_torch(model: Any, inputs: Any) -> List[Any]:
    torch = import_torch()
    with torch.no_grad():
        result = model(torch.from_numpy(inputs))
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    if not all(torch.is_tensor(o) for o in outputs):
        raise ExportError("invalid_input", "The model's forward returns something other than tensors (or a tuple of them); ONNX export needs tensors.")
    return [o.detach().cpu().numpy() for o in outputs]


def export_torch(model: Any, sample: Any, output_count: int, file: str, opset: Optional[int]) -> int:
    """torch.onnx.export with a dynamic batch axis on the input and every output; answers the opset used."""
    torch = import_torch()
    output_names = ["output"] if output_count == 1 else [f"output_{i}" for i in range(output_count)]
    dynamic_axes = {name: {0: "batch"} for name in ["input", *output_names]}
    if opset is None:
        constants = getattr(torch.onnx, "_constants", None)
        opset = int(getattr(constants, "ONNX_DEFAULT_OPSET", 14)) if constants is not None else 14
    options: Dict[str, Any] = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        options["dynamo"] = False  # the TorchScript-based exporter: no onnxscript needed, same graph as torch 1.x
    try:
        torch.onnx.export(
            model,
            (torch.from_numpy(sample),),
            file,
            input_names=["input"],
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            **options,
        )
    except Exception as error:  # noqa: BLE001 - unsupported operators, opsets, control flow
        raise ExportError("invalid_input", f"torch.onnx.export failed at opset {opset}: {type(error).__name__}: {str(error)[:1500]}") from error
    return opset
