"""Response envelopes: the vendor sends some lists bare and some wrapped in an object."""

from __future__ import annotations

from collections.abc import Mapping


def unwrap_list(data: object, key: str) -> list[object]:
    """Return ``data`` if it is a JSON array, or the array under ``key`` if it is an object wrapping one.

    :param data: The decoded JSON body.
    :param key: The wrapping object's key, e.g. ``Messages``.
    :raises ValueError: If ``data`` is neither.
    """
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping) and isinstance(data.get(key), list):
        return list(data[key])
    keys = sorted(str(k) for k in data) if isinstance(data, Mapping) else None
    shape = f"an object with keys {keys}" if keys is not None else f"<{type(data).__name__}>"
    raise ValueError(f"expected a JSON array or an object with a {key!r} array, got {shape}")
