"""Checks and conversions for what a script hands the SDK: metric keys, metric values, params and tags."""
import math

MAX_KEY_BYTES = 250


def key_problem(key):
    """Why `key` cannot name a metric, or None when it can (a non-empty str of at most 250 UTF-8 bytes)."""
    if not isinstance(key, str):
        return "metric keys must be strings, got %s" % type(key).__name__
    if not key:
        return "metric keys must not be empty"
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return "metric key %r is not valid Unicode text" % key[:60]
    if size > MAX_KEY_BYTES:
        return "metric key %r… is %d UTF-8 bytes long; the limit is %d" % (key[:40], size, MAX_KEY_BYTES)
    return None


def to_number(value):
    """`value` as a float (NaN and ±Inf kept), or None when it is not one number.

    Accepts int, float, bool, numpy scalars and 0-d arrays, torch 0-d tensors and anything with `__float__`;
    refuses strings (even "1.5"), None, sequences and arrays or tensors with any dimension.
    """
    if value is None or isinstance(value, (str, bytes, bytearray, list, tuple, dict, set)):
        return None
    ndim = getattr(value, "ndim", 0)
    if ndim != 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        pass
    item = getattr(value, "item", None)
    if callable(item):
        try:
            inner = item()
        except Exception:
            return None
        if isinstance(inner, (int, float)) and not isinstance(inner, complex):
            try:
                return float(inner)
            except OverflowError:
                return None
    return None


def json_safe(value, depth=0):
    """`value` in a form strict JSON can hold: NaN and ±Inf become "NaN"/"Infinity"/"-Infinity", numpy and
    torch scalars their Python value, tuples and sets lists, mapping keys strings, anything else its str()."""
    if depth > 32:
        return str(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v, depth + 1) for v in value]
    if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)):
        try:
            return json_safe(value.item(), depth + 1)
        except Exception:
            return str(value)
    return str(value)


def clean_tags(tags):
    """Tags as a list of non-empty strings, in order, without repeats; a list or tuple argument is flattened."""
    out = []
    for tag in tags:
        items = tag if isinstance(tag, (list, tuple, set, frozenset)) else (tag,)
        for item in items:
            if item is None:
                continue
            text = item if isinstance(item, str) else str(item)
            if text and text not in out:
                out.append(text)
    return out
