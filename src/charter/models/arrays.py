"""How trained arrays are stored in ``heads.json``: base64 of little-endian float16.

Compact, and the same bytes every time the same data is trained; arithmetic is float32.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]


def encode_array(a: npt.NDArray[Any]) -> dict[str, Any]:
    """An array as {shape, f16: base64}."""
    data = np.ascontiguousarray(a, dtype="<f2").tobytes()
    return {"shape": list(a.shape), "f16": base64.b64encode(data).decode("ascii")}


def decode_array(d: dict[str, Any]) -> Array:
    raw = np.frombuffer(base64.b64decode(d["f16"]), dtype="<f2")
    return raw.astype(np.float32).reshape(d["shape"])
