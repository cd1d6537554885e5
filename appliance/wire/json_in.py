"""Strict JSON in: standard JSON only (no NaN or Infinity), bounded nesting, no lone
surrogates, so nothing non-standard is stored and later breaks a client's `JSON.parse`.

Every WebSocket frame comes through here, so a caller may pass a faster parser that is strict
by itself (web/sockets.py passes orjson: no NaN or Infinity, no lone surrogates, no control
characters in strings). What it refuses, and any value holding a float (orjson also makes
floats of integers beyond 64 bits; frames rarely hold floats), takes the standard library's
path, which decides and words the refusal as it always has."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from appliance.domain.errors import BadJson

MAX_DEPTH = 32
# A lone surrogate can only arrive as a `\uD800`-`\uDFFF` escape (UTF-8 text cannot hold one).
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise ValueError(f"{text} is out of range")
    return value


def loads(text: str, fast: Callable[[str], Any] | None = None) -> Any:
    """The value of `text`, or BadJson for anything a strict JSON parser would refuse.
    `fast`: a strict parser tried first, raising ValueError for what it refuses."""
    if fast is not None:
        try:
            value = fast(text)
        except ValueError:
            pass  # refused: the standard path below says why
        else:
            if not _has_float(value):
                if text.count("[") + text.count("{") > MAX_DEPTH:
                    _check_depth(value)
                return value
    return _loads_standard(text)


def _has_float(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            return True
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def _loads_standard(text: str) -> Any:
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError as exc:
        raise BadJson(f"JSON nested more than {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:  # also integers of more than 4,300 digits
        raise BadJson("The body is not valid JSON") from exc
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(value)
    if _SURROGATE.search(text):
        _check_strings(value)
    return value


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    return []


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise BadJson(f"JSON nested more than {MAX_DEPTH} levels deep")
            stack.extend((child, depth + 1) for child in _children(item))


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadJson("Text holds a lone surrogate (\\ud800-\\udfff)") from exc
        else:
            stack.extend(_children(item))
