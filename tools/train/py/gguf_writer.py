"""A minimal GGUF v3 writer (no gguf package is available here).

Layout: header, key/values, tensor infos, padding, tensor data. Dimensions are
written reversed from numpy order; offsets are relative to the data section and
every tensor starts on a multiple of the alignment (tools/train/README.md).
"""
import struct

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32

# gguf value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
# ggml tensor types
GGML_F32, GGML_F16 = 0, 1

_SCALAR_FORMATS = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
                   FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}


def _string(s: str) -> bytes:
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(vtype, value) -> bytes:
    if vtype == STRING:
        return _string(value)
    return struct.pack(_SCALAR_FORMATS[vtype], value)


class GGUFWriter:
    def __init__(self):
        self.kv = []  # (key, type, value, element type for arrays)
        self.tensors = []  # (name, np.ndarray, ggml type)

    def add(self, key, vtype, value):
        self.kv.append((key, vtype, value, None))

    def add_array(self, key, elem_type, values):
        self.kv.append((key, ARRAY, list(values), elem_type))

    def add_tensor(self, name, array: np.ndarray, ggml_type):
        dtype = {GGML_F32: np.float32, GGML_F16: np.float16}[ggml_type]
        self.tensors.append((name, np.ascontiguousarray(array, dtype=dtype), ggml_type))

    def write(self, path):
        out = bytearray()
        out += GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv))
        for key, vtype, value, elem_type in self.kv:
            out += _string(key) + struct.pack("<I", vtype)
            if vtype == ARRAY:
                out += struct.pack("<IQ", elem_type, len(value))
                out += b"".join(_value(elem_type, v) for v in value)
            else:
                out += _value(vtype, value)
        offset = 0
        layout = []
        for name, arr, ggml_type in self.tensors:
            out += _string(name) + struct.pack("<I", arr.ndim)
            out += b"".join(struct.pack("<Q", d) for d in reversed(arr.shape))
            out += struct.pack("<IQ", ggml_type, offset)
            layout.append(offset)
            offset += _padded(arr.nbytes)
        out += b"\0" * (_padded(len(out)) - len(out))
        data_start = len(out)
        for (name, arr, _), off in zip(self.tensors, layout):
            assert len(out) - data_start == off
            out += arr.tobytes()
            out += b"\0" * (_padded(arr.nbytes) - arr.nbytes)
        with open(path, "wb") as f:
            f.write(out)


def _padded(n):
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
