"""Argument checking and encoding, shared by every public function.

Every argument a public method passes to libtws goes through one of these
helpers first, so a wrong type or value raises a clear ``TypeError`` or
:class:`tws.InvalidArgument` (a ``ValueError``) naming the argument, never a
raw ctypes error, and a string holding a NUL is refused before anything is
sent (a C string would silently end at the NUL).
"""

from __future__ import annotations

import math
import numbers
import operator
import os
from typing import Any, Iterable, SupportsIndex, Union, cast

from .errors import InvalidArgument, InvalidCharacter, InvalidUtf8

INT32 = (-(2**31), 2**31 - 1)
UINT32 = (0, 2**32 - 1)
UINT64 = (0, 2**64 - 1)
PORT = (1, 65535)

#: ``TWS_ERR_INVALID_ARGUMENT`` / ``TWS_ERR_INVALID_UTF8`` / ``TWS_ERR_INVALID_CHARACTER``.
_INVALID_ARGUMENT, _INVALID_UTF8, _INVALID_CHARACTER = -2, -3, -4


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def integer(value: object, name: str, bounds: "tuple[int, int]" = INT32) -> int:
    """An int argument (bools refused), checked against ``bounds`` (inclusive)."""
    if type(value) is int:  # the common case, without the slower checks
        lo, hi = bounds
        if lo <= value <= hi:
            return value
    n = None
    if not isinstance(value, bool) and isinstance(value, SupportsIndex):
        try:
            n = operator.index(value)  # int, and numpy integers and the like
        except TypeError:
            pass
    if n is None:
        raise TypeError(f"{name} must be an int, not {_type_name(value)}")
    lo, hi = bounds
    if not lo <= n <= hi:
        raise InvalidArgument(_INVALID_ARGUMENT, f"{name} must be in {lo}..{hi}, not {n}")
    return n


def flag(value: object, name: str) -> int:
    """A bool argument (0 and 1 also accepted) as the C int 0 or 1."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return int(value)
    raise TypeError(f"{name} must be a bool, not {_type_name(value)}")


def real(value: object, name: str) -> float:
    """A float argument (ints accepted, bools refused; NaN and infinities pass to libtws as they are)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float, not {_type_name(value)}")
    return float(value)


def milliseconds(value: object, name: str) -> int:
    """A duration in seconds (int or float) as C milliseconds, clamped to uint32."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds (int or float), not {_type_name(value)}")
    seconds = float(value)
    if math.isnan(seconds):
        raise InvalidArgument(_INVALID_ARGUMENT, f"{name} must be a number of seconds, not NaN")
    if seconds < 0:
        raise InvalidArgument(_INVALID_ARGUMENT, f"{name} cannot be negative ({value!r})")
    return int(min(seconds * 1000, float(UINT32[1])))


def seconds(value: object, name: str) -> float:
    """A duration in seconds, checked like :func:`milliseconds`."""
    if type(value) is float and value >= 0 or type(value) is int and value >= 0:  # the hot path (poll)
        return float(value)
    milliseconds(value, name)
    return float(value)  # type: ignore[arg-type]


def text(value: object, name: str) -> bytes:
    """The one encoder of string arguments: a str as a NUL-terminated UTF-8 C string.

    Refuses a non-str (``TypeError``), an embedded NUL
    (:class:`tws.InvalidCharacter`, code ``TWS_ERR_INVALID_CHARACTER``) and
    text that cannot be UTF-8 (lone surrogates: :class:`tws.InvalidUtf8`).
    Every other character is left to libtws, which applies the one rule for
    control characters (tab, LF and CR pass; other control characters are
    refused with ``TWS_ERR_INVALID_CHARACTER``).
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    at = value.find("\x00")
    if at >= 0:
        raise InvalidCharacter(
            _INVALID_CHARACTER, f"{name} contains a NUL character (at index {at}); nothing was sent"
        )
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidUtf8(_INVALID_UTF8, f"{name} cannot be encoded as UTF-8 ({e.reason} at index {e.start})") from None


def text_list(value: Union[str, Iterable[str]], name: str) -> bytes:
    """A str, or an iterable of str joined with commas (each entry checked by :func:`text`)."""
    if isinstance(value, str):
        return text(value, name)
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be a str or an iterable of str, not {_type_name(value)}")
    try:
        entries = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a str or an iterable of str, not {_type_name(value)}") from None
    parts = [text(entry, f"{name}[{i}]") for i, entry in enumerate(entries)]
    return b",".join(parts)


def path(value: object, name: str) -> bytes:
    """A file path (str or os.PathLike giving a str) as a C string."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, not {_type_name(value)}")
    p = os.fspath(value)
    if not isinstance(p, str):
        raise TypeError(f"{name} must name a str path, not {_type_name(p)}")
    return text(p, name)


def tag_values(value: object, name: str) -> "tuple[object, object, int]":
    """Tag-value options (a ``dict`` or an iterable of ``(tag, value)``
    pairs, each string checked by :func:`text`) as the C ``(tags, values,
    count)`` triple; ``None`` or empty as ``(NULL, NULL, 0)``."""
    import ctypes

    if value is None:
        return None, None, 0
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(f"{name} must be a dict or an iterable of (tag, value), not {_type_name(value)}")
    try:
        pairs = list(value.items()) if isinstance(value, dict) else list(cast("Iterable[Any]", value))
    except TypeError:
        raise TypeError(f"{name} must be a dict or an iterable of (tag, value), not {_type_name(value)}") from None
    tags, values = [], []
    for i, pair in enumerate(pairs):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise TypeError(f"{name}[{i}] must be a (tag, value) pair, not {_type_name(pair)}")
        tags.append(text(pair[0], f"{name}[{i}] tag"))
        values.append(text(pair[1], f"{name}[{i}] value"))
    n = len(pairs)
    if n == 0:
        return None, None, 0
    return (ctypes.c_char_p * n)(*tags), (ctypes.c_char_p * n)(*values), n
