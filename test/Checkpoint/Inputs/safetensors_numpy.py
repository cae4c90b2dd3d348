"""Reads and writes safetensors files with numpy alone, as a Python user of bst checkpoints would.

  safetensors_numpy.py read FILE EXPECTED.json   parse FILE's header, load every tensor with
                                                 numpy, compare with EXPECTED (bst's values)
  safetensors_numpy.py write FILE                write the model of bst-checkpoint-test with
                                                 numpy, without bst's metadata
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "BOOL": "|b1"}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n :]
    tensors = {}
    for key, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np.dtype(DTYPES[info["dtype"]]))
        tensors[key] = (info["dtype"], array.reshape(info["shape"]))
    return metadata, tensors


def read(path, expected_path):
    metadata, tensors = load(path)
    with open(expected_path) as f:
        expected = json.load(f)
    failed = False
    for key in sorted(set(tensors) | set(expected)):
        if key not in tensors or key not in expected:
            print(f"{key}: MISSING in {'file' if key not in tensors else 'expected'}")
            failed = True
            continue
        dtype, array = tensors[key]
        want = expected[key]
        wanted = np.array(want["values"], dtype=np.dtype(DTYPES[want["dtype"]])).reshape(
            want["shape"]
        )
        ok = dtype == want["dtype"] and array.shape == wanted.shape and np.array_equal(array, wanted)
        failed |= not ok
        print(f"{key}: {dtype} {list(array.shape)} {'equal' if ok else 'DIFFERENT'}")
    for key in sorted(metadata):
        print(f"metadata {key} = {metadata[key]}")
    return 1 if failed else 0


def write(path):
    tensors = {
        "layer.fc.w": np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5,
        "layer.fc.b": np.array([-1.0, 0.25, 8.0], dtype=np.float32),
        "layer.v": np.array([4.0, 3.0, 2.0, 1.0], dtype=np.float32),
        "counts": np.array([-5, 1 << 50, 7], dtype=np.int64),
        "mask": np.array([False, True, False, True, False]),
        "scale": np.array(2.5, dtype=np.float64),
        "history[0]": np.array([[1, 2], [3, 4]], dtype=np.int32),
        "history[1]": np.zeros((0,), dtype=np.float32),
    }
    names = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int32"): "I32",
             np.dtype("int64"): "I64", np.dtype("bool"): "BOOL"}
    header, chunks, offset = {"__metadata__": {"writer": "numpy"}}, [], 0
    for key in sorted(tensors):
        raw = tensors[key].astype(tensors[key].dtype.newbyteorder("<")).tobytes()
        header[key] = {"dtype": names[tensors[key].dtype], "shape": list(tensors[key].shape),
                       "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "read":
        sys.exit(read(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        sys.exit(write(sys.argv[2]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
