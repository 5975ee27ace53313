#!/usr/bin/env python3
"""The Python runner of an Orrery edge package: verify, self-test and predict with the `onnxruntime` package.

Same commands and exit codes as run.mjs: 0 ok, 2 bad usage or input, 3 verification failed, 4 self-test mismatch,
5 runtime missing or failed. Verification needs only the standard library, so it runs before anything is imported.
"""
import hashlib
import json
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))


class Exit(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_files():
    out = []
    for folder, _dirs, files in os.walk(ROOT):
        for name in files:
            out.append(os.path.relpath(os.path.join(folder, name), ROOT).replace(os.sep, "/"))
    return out


def verify():
    """Checks SHA256SUMS: every listed file present with its hash, and no file that is not listed."""
    try:
        with open(os.path.join(ROOT, "SHA256SUMS"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        raise Exit(3, "verification failed: SHA256SUMS is missing; the package is incomplete, rebuild or copy it again.")
    listed = {}
    for line in lines:
        if not line.strip():
            continue
        match = re.match(r"^([0-9a-f]{64}) [ *](.+)$", line)
        if not match:
            raise Exit(3, "verification failed: SHA256SUMS has a malformed line: %s" % line[:100])
        listed[match.group(2)] = match.group(1)
    for name, expected in listed.items():
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):
            raise Exit(3, "verification failed: %s is missing; refusing to run." % name)
        if sha256_of(path) != expected:
            raise Exit(3, "verification failed: %s does not match its SHA-256 in SHA256SUMS; refusing to run." % name)
    for name in sorted(list_files()):
        if name != "SHA256SUMS" and name not in listed:
            raise Exit(3, "verification failed: %s is not listed in SHA256SUMS; refusing to run." % name)
    return len(listed)


def load_runtime():
    try:
        import numpy
        import onnxruntime
    except ImportError as error:
        raise Exit(
            5,
            "the Python runner needs onnxruntime and numpy (%s): pip install onnxruntime numpy "
            "(or install Node.js >= 18 on this device to use the onnxruntime-node bundled in the package)" % error,
        )
    return numpy, onnxruntime


DTYPES = {
    "float32": "float32", "float64": "float64", "int8": "int8", "uint8": "uint8", "int16": "int16",
    "uint16": "uint16", "int32": "int32", "uint32": "uint32", "int64": "int64", "uint64": "uint64", "bool": "bool",
}


def signature(manifest):
    return "; ".join(
        "%s: %s [%s]" % (i["name"], i["dtype"], ", ".join("?" if d is None else str(d) for d in i["dims"]))
        for i in manifest["io"]["inputs"]
    )


def tensor_of(np, spec, given, manifest):
    if isinstance(given, dict) and "data" in given:
        array = np.asarray(given["data"], dtype="float64").reshape(given.get("dims") or np.asarray(given["data"]).shape)
    else:
        try:
            array = np.asarray(given, dtype="float64")
        except (TypeError, ValueError):
            raise Exit(2, "input %s is not an array of numbers; the model expects %s" % (spec["name"], signature(manifest)))
    dims = spec["dims"]
    if len(dims) != array.ndim or any(isinstance(d, int) and d != array.shape[i] for i, d in enumerate(dims)):
        raise Exit(2, "input %s has shape %s; the model expects %s" % (spec["name"], list(array.shape), signature(manifest)))
    dtype = DTYPES.get(spec["dtype"])
    if dtype is None:
        raise Exit(2, "input %s has dtype %s, which this runner cannot feed from JSON" % (spec["name"], spec["dtype"]))
    return array.astype(dtype)


def feeds_of(np, manifest, given):
    inputs = manifest["io"]["inputs"]
    if isinstance(given, dict) and all(i["name"] in given for i in inputs):
        named = given
    elif len(inputs) == 1:
        named = {inputs[0]["name"]: given}
    else:
        raise Exit(2, "give an object with every input by name; the model expects %s" % signature(manifest))
    return {i["name"]: tensor_of(np, i, named[i["name"]], manifest) for i in inputs}


def run(session, feeds):
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, feeds)
    return {name: {"dtype": str(v.dtype), "dims": list(v.shape), "data": v.reshape(-1).tolist()} for name, v in zip(names, values)}


def top_k(manifest, output, k):
    if output is None or not output["dtype"].startswith("float"):
        return None
    dims = output["dims"]
    classes = dims[0] if len(dims) == 1 else dims[1] if len(dims) == 2 and dims[0] == 1 else 0
    if classes < 2:
        return None
    labels = manifest.get("labels") or []
    order = sorted(range(len(output["data"])), key=lambda i: -output["data"][i])[:k]
    return [{"index": i, "label": labels[i] if i < len(labels) else None, "score": output["data"][i]} for i in order]


def session_of(ort):
    return ort.InferenceSession(os.path.join(ROOT, "model.onnx"), providers=["CPUExecutionProvider"])


def self_test(np, ort, manifest, checked):
    with open(os.path.join(ROOT, "selftest", "golden.json"), encoding="utf-8") as handle:
        golden = json.load(handle)
    session = session_of(ort)
    atol, rtol = golden["tolerance"]["atol"], golden["tolerance"]["rtol"]
    max_diff = 0.0
    for index, case in enumerate(golden["cases"]):
        feeds = {i["name"]: tensor_of(np, i, case["inputs"][i["name"]], manifest) for i in manifest["io"]["inputs"]}
        got = run(session, feeds)
        for name, want in case["outputs"].items():
            have = got.get(name)
            if have is None or have["dims"] != want["dims"]:
                return {"ok": False, "case": index, "output": name, "problem": "shape differs"}
            for i, (a, b) in enumerate(zip(have["data"], want["data"])):
                diff = abs(float(a) - float(b))
                if not diff <= atol + rtol * abs(float(b)) or math.isnan(diff):
                    return {"ok": False, "case": index, "output": name, "index": i, "expected": b, "got": a}
                max_diff = max(max_diff, diff)
    return {"ok": True, "cases": len(golden["cases"]), "maxAbsDiff": max_diff, "checked": checked, "runtime": "python", "onnxruntime": ort.__version__}


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as error:
        raise Exit(2, "%s is not JSON: %s" % (what, error))


def read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as error:
        raise Exit(2, "cannot read %s: %s" % (path, error))


def is_number(cell):
    try:
        return cell != "" and math.isfinite(float(cell))
    except ValueError:
        return False


def predict_inputs(options):
    if "input" in options:
        return [parse_json(options["input"], "--input")]
    if "batch" in options:
        lines = [l for l in read(options["batch"]).splitlines() if l.strip()]
        return [parse_json(l, "line %d of %s" % (n + 1, options["batch"])) for n, l in enumerate(lines)]
    rows = [[c.strip().strip('"') for c in re.split(r"[,;\t]", l)] for l in read(options["csv"]).splitlines() if l.strip()]
    if rows and not all(is_number(c) for c in rows[0]):
        rows = rows[1:]
    for n, cells in enumerate(rows):
        if not all(is_number(c) for c in cells):
            raise Exit(2, "a row of %s is not all numbers (only a header row may be): %s" % (options["csv"], cells))
    return [[[float(c) for c in cells]] for cells in rows]


def parse_args(args):
    options = {"top-k": "5"}
    i = 0
    while i < len(args):
        flag = args[i]
        if flag not in ("--input", "--csv", "--batch", "--top-k") or i + 1 >= len(args):
            raise Exit(2, "unknown or incomplete option %s; use predict --input JSON | --csv FILE | --batch FILE.jsonl [--top-k K]" % flag)
        options[flag[2:]] = args[i + 1]
        i += 2
    if sum(key in options for key in ("input", "csv", "batch")) != 1:
        raise Exit(2, "predict takes exactly one of --input JSON, --csv FILE or --batch FILE.jsonl")
    return options


def main(argv):
    command = argv[0] if argv else ""
    if command not in ("verify", "self-test", "predict"):
        raise Exit(2, "usage: run.py verify | self-test | predict [--input JSON | --csv FILE | --batch FILE.jsonl]")
    checked = verify()
    if command == "verify":
        print(json.dumps({"ok": True, "checked": checked}))
        return
    with open(os.path.join(ROOT, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    np, ort = load_runtime()
    if command == "predict":
        options = parse_args(argv[1:])
        session = session_of(ort)
        first = session.get_outputs()[0].name
        for given in predict_inputs(options):
            outputs = run(session, feeds_of(np, manifest, given))
            print(json.dumps({"outputs": outputs, "topK": top_k(manifest, outputs[first], int(options["top-k"]))}))
        return
    result = self_test(np, ort, manifest, checked)
    print(json.dumps(result))
    if not result["ok"]:
        raise Exit(4, "self-test failed: the outputs differ from the golden ones")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exit as error:
        sys.stderr.write("orrery-package: %s\n" % error)
        sys.exit(error.code)
