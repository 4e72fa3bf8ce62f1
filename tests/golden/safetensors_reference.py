"""The safetensors format in a few lines of Python, transcribed from the reference crate
(safetensors/src/tensor.rs): its writer's layout and its reader's checks. Used to write the
fixtures (make_safetensors_fixtures.py) and to check files embedkit writes
(check_written_files.py), since Debian has no package of the library itself."""
import json
import struct

# The crate's Dtype enum in declaration order (its layout rank), with element widths in bits.
DTYPE_BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8,
              "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32,
              "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}
DTYPE_ORDER = list(DTYPE_BITS)
MAX_HEADER = 100_000_000


def serialize(tensors, metadata=None):
    """tensors: {name: (dtype, shape, bytes)} -> the file's bytes, as the crate writes them:
    descending dtype rank then name, "__metadata__" first, compact JSON padded to 8 bytes."""
    items = sorted(tensors.items(), key=lambda kv: (-DTYPE_ORDER.index(kv[1][0]), kv[0].encode()))
    header = {}
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items()))
    offset = 0
    for name, (dtype, shape, data) in items:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(d for _, (_, _, d) in items)


def deserialize(buf):
    """bytes -> ({name: (dtype, shape, bytes)}, metadata or None), with the crate's checks."""
    if len(buf) < 8:
        raise ValueError("HeaderTooSmall")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER:
        raise ValueError("HeaderTooLarge")
    if 8 + n > len(buf):
        raise ValueError("InvalidHeaderLength")
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    start, out = 0, {}
    for name, info in entries:
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError("bad entry " + name)
        s, e = info["data_offsets"]
        if s != start or e < s:
            raise ValueError("InvalidOffset " + name)
        nelem = 1
        for d in info["shape"]:
            nelem *= d
        nbits = nelem * DTYPE_BITS[info["dtype"]]
        if nbits % 8 or e - s != nbits // 8:
            raise ValueError("TensorInvalidInfo " + name)
        start = e
        out[name] = (info["dtype"], info["shape"], buf[8 + n + s:8 + n + e])
    if 8 + n + start != len(buf):
        raise ValueError("MetadataIncompleteBuffer")
    return out, metadata
