"""Real on-disk formats: the authors' ACIVW/AVIA TFRecords and the Flickr-SoundNet test
set (chapter 06).

For readers who have the real data (ACIVW is shared by its authors on request; AVIA and
Flickr-SoundNet were released by their authors), read **without TensorFlow**:

**ACIVW / AVIA** (seeds 000, 002; the layout of the authors' public conversion and
loading code): one GZIP-compressed TFRecord file per second of video, holding one
serialised
``tf.train.SequenceExample``:

* context (``int64``): ``classes`` (ACIVW) or ``action``/``subject`` (AVIA),
  ``location``, ``audio_image/height|width|depth`` (36, 48, 12),
  ``audio_data/mics|samples`` (1, 1024), ``video/height|width|depth``;
* feature lists (one ``bytes`` feature per frame, 12 per record): ``audio/image`` (the
  MFCC acoustic image, float32, ``height x width x depth`` row-major), ``audio/data``
  (int32, ``mics x samples``), ``video/image`` (uint8 ``height x width x 3`` in **BGR**
  order, as OpenCV reads it).

Files are named ``class_<c>/data_<location:03d>/Data_<second:03d>.tfrecord`` (ACIVW) and
``Location_<ll>/Subject_<ss>/Action_<aaa>/Data_<second:03d>.tfrecord`` (AVIA). The
authors' loader turns each acoustic image by 180 degrees (flip up-down and left-right)
to align it with the video; :func:`read_sequence_record` does the same (``align=True``)
and returns RGB frames. The TFRecord framing (length, masked CRC-32C of the length,
payload, masked CRC-32C of the payload) and the protobuf wire format are parsed here in
pure Python; :func:`write_sequence_record` writes the same layout (tests, and exporting
the simulated dataset to the authors' tools).

**Flickr-SoundNet localization test set** (Senocak et al. 2018): ``frames/<id>.jpg``,
``audio/<id>.wav`` and ``Annotations/<id>.xml`` (``anno/`` is accepted too); each XML
holds ``bbox`` elements whose first child is skipped and whose next four are ``xmin,
ymin, xmax, ymax`` in pixels of the 256 x 256 frame (the convention of the evaluation
code of LVS and EZ-VSL); each box counts as one annotator's box in the consensus map
(:func:`acousticlib.metrics.consensus_map`).

A missing file raises ``FileNotFoundError`` and a malformed one :class:`FormatError`,
both naming the file.
"""

from __future__ import annotations

import gzip
import os
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _checks

__all__ = [
    "FormatError",
    "crc32c",
    "read_tfrecords",
    "write_tfrecords",
    "parse_sequence_example",
    "encode_sequence_example",
    "parse_example",
    "encode_example",
    "read_sequence_record",
    "write_sequence_record",
    "acivw_files",
    "avia_files",
    "SequenceRecordDataset",
    "read_flickr_boxes",
    "write_flickr_boxes",
    "read_flickr_sample",
    "write_flickr_sample",
    "FlickrSoundNetDataset",
]


class FormatError(ValueError):
    """A file exists but does not follow the documented format (the message names the
    file)."""


def _require(path: str | os.PathLike[str], what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{what} {p} does not exist")
    return p


# --------------------------------------------------------------------------------------
# TFRecord framing
# --------------------------------------------------------------------------------------


def _crc_table() -> list[int]:
    poly = 0x82F63B78  # CRC-32C (Castagnoli), reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data`` (pure Python, slow: meant for test-sized
    files)."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _open(path: Path, mode: str, compression: str | None) -> Any:
    _checks.one_of("compression", compression, (None, "GZIP"))
    return gzip.open(path, mode) if compression == "GZIP" else open(path, mode)


def _guess_compression(path: Path) -> str | None:
    with open(path, "rb") as f:
        return "GZIP" if f.read(2) == b"\x1f\x8b" else None


def read_tfrecords(
    path: str | os.PathLike[str],
    *,
    compression: str | None | bool = True,
    verify: bool = True,
) -> Iterator[bytes]:
    """Yield the payloads of a TFRecord file (``compression``: ``None``, ``"GZIP"`` or
    True to detect).

    ``verify`` checks both CRC-32C of every record (slow on big records: pure Python).
    """
    p = _require(path, "TFRecord file")
    comp = _guess_compression(p) if compression is True else compression
    try:
        with _open(p, "rb", comp) as f:
            n = 0
            while True:
                head = f.read(12)
                if not head:
                    return
                if len(head) < 12:
                    raise FormatError(
                        f"{p}: record {n} is truncated (incomplete length header)"
                    )
                length, length_crc = struct.unpack("<QI", head)
                if verify and _masked_crc(head[:8]) != length_crc:
                    raise FormatError(
                        f"{p}: record {n} has a corrupt length header (CRC mismatch); "
                        f"not a TFRecord file?"
                    )
                data = f.read(length)
                tail = f.read(4)
                if len(data) < length or len(tail) < 4:
                    raise FormatError(
                        f"{p}: record {n} is truncated ({len(data)} of {length} bytes)"
                    )
                if verify and _masked_crc(data) != struct.unpack("<I", tail)[0]:
                    raise FormatError(
                        f"{p}: record {n} does not match its CRC (corrupt data)"
                    )
                n += 1
                yield data
    except (OSError, EOFError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise FormatError(
            f"{p}: cannot be read as a {'GZIP ' if comp else ''}TFRecord file ({exc})"
        ) from None


def write_tfrecords(
    path: str | os.PathLike[str],
    records: Sequence[bytes],
    *,
    compression: str | None = "GZIP",
) -> Path:
    """Write ``records`` (bytes) as a TFRecord file; GZIP with a fixed header
    timestamp (reproducible bytes)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    _checks.one_of("compression", compression, (None, "GZIP"))
    with open(p, "wb") as raw:
        f = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
            if compression == "GZIP"
            else raw
        )
        for data in records:
            if not isinstance(data, (bytes, bytearray)):
                raise TypeError(f"records must be bytes; got {type(data).__name__}")
            head = struct.pack("<Q", len(data))
            f.write(
                head
                + struct.pack("<I", _masked_crc(head))
                + bytes(data)
                + struct.pack("<I", _masked_crc(bytes(data)))
            )
        if f is not raw:
            f.close()
    return p


# --------------------------------------------------------------------------------------
# Protocol buffers: tf.train.Example / SequenceExample (wire format)
# --------------------------------------------------------------------------------------


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of a protobuf message: ints for varints,
    bytes for the rest."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise ValueError("length-delimited field runs past the end")
            value, i = buf[i : i + n], i + n
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield field, wire, value


def _parse_feature(buf: bytes) -> list[Any]:
    """A ``Feature``: list of bytes, floats or ints."""
    for field, _, value in _fields(buf):
        out: list[Any] = []
        for f2, w2, v2 in _fields(value):
            if f2 != 1:
                continue
            if field == 1:
                out.append(bytes(v2))
            elif field == 2:
                out.extend(
                    np.frombuffer(v2, "<f4").tolist()
                    if w2 == 2
                    else struct.unpack("<f", v2)
                )
            elif field == 3:
                if w2 == 2:
                    j = 0
                    while j < len(v2):
                        x, j = _varint(v2, j)
                        out.append(x - (1 << 64) if x >= 1 << 63 else x)
                else:
                    out.append(v2 - (1 << 64) if v2 >= 1 << 63 else v2)
        return out
    return []


def _parse_map(buf: bytes, value_parser: Any) -> dict[str, Any]:
    out = {}
    for field, _, entry in _fields(buf):
        if field != 1:
            continue
        key, value = "", b""
        for f2, _, v2 in _fields(entry):
            if f2 == 1:
                key = bytes(v2).decode()
            elif f2 == 2:
                value = v2
        out[key] = value_parser(value)
    return out


def _parse_feature_list(buf: bytes) -> list[list[Any]]:
    return [_parse_feature(v) for f, _, v in _fields(buf) if f == 1]


def parse_example(data: bytes) -> dict[str, list[Any]]:
    """A serialised ``tf.train.Example`` -> ``{name: values}`` (bytes, floats or
    ints)."""
    out: dict[str, list[Any]] = {}
    for field, _, value in _fields(data):
        if field == 1:
            out.update(_parse_map(value, _parse_feature))
    return out


def parse_sequence_example(
    data: bytes,
) -> tuple[dict[str, list[Any]], dict[str, list[list[Any]]]]:
    """A serialised ``tf.train.SequenceExample`` -> (context ``{name: values}``,
    feature lists ``{name: [values per step]}``)."""
    context: dict[str, list[Any]] = {}
    lists: dict[str, list[list[Any]]] = {}
    for field, _, value in _fields(data):
        if field == 1:
            context.update(_parse_map(value, _parse_feature))
        elif field == 2:
            lists.update(_parse_map(value, _parse_feature_list))
    return context, lists


def _key(field: int, wire: int) -> bytes:
    return _enc_varint((field << 3) | wire)


def _enc_varint(x: int) -> bytes:
    x &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = x & 0x7F
        x >>= 7
        if x:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _ld(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _enc_varint(len(payload)) + payload


def _enc_feature(values: Any) -> bytes:
    if isinstance(values, (bytes, bytearray)):
        values = [values]
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = [int(values)]
    if isinstance(values, float):
        values = [values]
    values = list(values)
    if values and all(isinstance(v, (bytes, bytearray)) for v in values):
        return _ld(1, b"".join(_ld(1, bytes(v)) for v in values))
    if all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values
    ):
        return _ld(3, _ld(1, b"".join(_enc_varint(int(v)) for v in values)))
    if all(isinstance(v, (float, np.floating)) for v in values):
        return _ld(2, _ld(1, np.asarray(values, "<f4").tobytes()))
    raise TypeError(
        "feature values must be bytes, ints or floats (one kind per feature)"
    )


def _enc_map(items: Mapping[str, bytes]) -> bytes:
    return b"".join(
        _ld(1, _ld(1, k.encode()) + _ld(2, v)) for k, v in sorted(items.items())
    )


def encode_example(features: Mapping[str, Any]) -> bytes:
    """Serialise ``{name: bytes | int | float | list}`` as a ``tf.train.Example``."""
    return _ld(1, _enc_map({k: _enc_feature(v) for k, v in features.items()}))


def encode_sequence_example(
    context: Mapping[str, Any], feature_lists: Mapping[str, Sequence[Any]]
) -> bytes:
    """Serialise a ``tf.train.SequenceExample`` (context features and per-step
    feature lists)."""
    ctx = _ld(1, _enc_map({k: _enc_feature(v) for k, v in context.items()}))
    lists = _ld(
        2,
        _enc_map(
            {
                k: b"".join(_ld(1, _enc_feature(s)) for s in steps)
                for k, steps in feature_lists.items()
            }
        ),
    )
    return ctx + lists


# --------------------------------------------------------------------------------------
# ACIVW / AVIA records
# --------------------------------------------------------------------------------------


def _ctx_int(path: Path, context: Mapping[str, list[Any]], name: str) -> int:
    v = context.get(name)
    if not v or not isinstance(v[0], int):
        raise FormatError(
            f"{path}: the context feature {name!r} (int64) is missing; it has "
            f"{sorted(context)}"
        )
    return int(v[0])


def _steps(
    path: Path,
    lists: Mapping[str, list[list[Any]]],
    name: str,
    shape: tuple[int, ...],
    dtype: str,
) -> np.ndarray:
    steps = lists[name]
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    out = []
    for k, s in enumerate(steps):
        if len(s) != 1 or not isinstance(s[0], bytes) or len(s[0]) != size:
            got = len(s[0]) if s and isinstance(s[0], bytes) else "no"
            raise FormatError(
                f"{path}: step {k} of {name!r} must be {size} bytes ({dtype} of shape "
                f"{shape}); got {got} bytes"
            )
        out.append(np.frombuffer(s[0], dtype).reshape(shape))
    return np.stack(out) if out else np.zeros((0, *shape), dtype)


def read_sequence_record(
    path: str | os.PathLike[str],
    *,
    align: bool = True,
    verify: bool = True,
    audio_dtype: str = "<i4",
) -> dict[str, Any]:
    """Read one ACIVW/AVIA per-second record (module docstring) into NumPy arrays.

    Returns ``"acoustic"`` float32 ``(T, D, H, W)`` (channels first; turned by 180
    degrees when ``align``, as the authors' loader does), ``"audio"`` ``(T, mics,
    samples)`` as stored (``audio_dtype``, int32 in ACIVW), ``"frames"`` uint8 ``(T, h,
    w, 3)`` **RGB**, and the context integers (``"label"`` from ``classes`` or
    ``action``, ``"location"``, and ``"subject"``/``"event"`` when present). Absent
    modalities are missing from the dict.
    """
    p = _require(path, "ACIVW/AVIA record")
    records = list(read_tfrecords(p, verify=verify))
    if len(records) != 1:
        raise FormatError(
            f"{p}: expected one SequenceExample per file; found {len(records)}"
        )
    try:
        context, lists = parse_sequence_example(records[0])
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"{p}: not a serialised tf.train.SequenceExample ({exc})"
        ) from None
    out: dict[str, Any] = {}
    label_key = (
        "classes" if "classes" in context else "action" if "action" in context else None
    )
    if label_key is None:
        raise FormatError(
            f"{p}: the context has neither 'classes' (ACIVW) nor 'action' (AVIA); it "
            f"has {sorted(context)}"
        )
    out["label"] = _ctx_int(p, context, label_key)
    out["location"] = _ctx_int(p, context, "location")
    for extra in ("subject", "event"):
        if extra in context:
            out[extra] = _ctx_int(p, context, extra)
    if "audio/image" in lists:
        shape = tuple(
            _ctx_int(p, context, f"audio_image/{k}")
            for k in ("height", "width", "depth")
        )
        img = _steps(p, lists, "audio/image", shape, "<f4")
        if align:
            img = img[:, ::-1, ::-1, :]
        out["acoustic"] = np.ascontiguousarray(
            img.transpose(0, 3, 1, 2), dtype=np.float32
        )
    if "audio/data" in lists:
        shape = (
            _ctx_int(p, context, "audio_data/mics"),
            _ctx_int(p, context, "audio_data/samples"),
        )
        out["audio"] = _steps(p, lists, "audio/data", shape, audio_dtype).copy()
    if "video/image" in lists:
        shape = tuple(
            _ctx_int(p, context, f"video/{k}") for k in ("height", "width", "depth")
        )
        out["frames"] = np.ascontiguousarray(
            _steps(p, lists, "video/image", shape, "u1")[..., ::-1]
        )
    if not {"acoustic", "audio", "frames"} & set(out):
        raise FormatError(
            f"{p}: holds none of the feature lists 'audio/image', 'audio/data', "
            f"'video/image'"
        )
    return out


def write_sequence_record(
    path: str | os.PathLike[str],
    *,
    label: int,
    location: int,
    acoustic: Any = None,
    audio: Any = None,
    frames: Any = None,
    dataset: str = "acivw",
    align: bool = True,
    extra: Mapping[str, int] | None = None,
) -> Path:
    """Write one per-second record in the authors' layout (the inverse of
    :func:`read_sequence_record`).

    ``acoustic`` ``(T, D, H, W)`` (turned by 180 degrees when ``align``, so reading
    gives it back), ``audio`` ``(T, mics, samples)`` int32, ``frames`` ``(T, h, w, 3)``
    uint8 RGB (stored BGR); ``dataset`` ``"acivw"`` (label in ``classes``) or ``"avia"``
    (in ``action``).
    """
    _checks.one_of("dataset", dataset, ("acivw", "avia"))
    context: dict[str, Any] = {
        ("classes" if dataset == "acivw" else "action"): int(label),
        "location": int(location),
    }
    context.update({k: int(v) for k, v in (extra or {}).items()})
    lists: dict[str, list[bytes]] = {}
    if acoustic is not None:
        a = _checks.as_array(
            "acoustic", acoustic, ndim=4, dtype=np.float32, what="(T, D, H, W)"
        )
        hwd = a.transpose(0, 2, 3, 1)
        if align:
            hwd = hwd[:, ::-1, ::-1, :]
        context.update(
            {
                "audio_image/height": a.shape[2],
                "audio_image/width": a.shape[3],
                "audio_image/depth": a.shape[1],
            }
        )
        lists["audio/image"] = [np.ascontiguousarray(x, "<f4").tobytes() for x in hwd]
    if audio is not None:
        s = _checks.as_array("audio", audio, ndim=3, what="(T, mics, samples)")
        context.update(
            {"audio_data/mics": s.shape[1], "audio_data/samples": s.shape[2]}
        )
        lists["audio/data"] = [np.ascontiguousarray(x, "<i4").tobytes() for x in s]
    if frames is not None:
        v = _checks.as_array(
            "frames", frames, ndim=4, dtype=np.uint8, what="(T, h, w, 3) RGB"
        )
        context.update(
            {
                "video/height": v.shape[1],
                "video/width": v.shape[2],
                "video/depth": v.shape[3],
            }
        )
        lists["video/image"] = [np.ascontiguousarray(x[..., ::-1]).tobytes() for x in v]
    return write_tfrecords(path, [encode_sequence_example(context, lists)])


def acivw_files(root: str | os.PathLike[str]) -> list[Path]:
    """The records of an ACIVW tree ``class_<c>/data_<loc>/Data_<n>.tfrecord``,
    sorted."""
    return _tree(root, "class_*/data_*/Data_*.tfrecord", "ACIVW")


def avia_files(root: str | os.PathLike[str]) -> list[Path]:
    """The records of an AVIA tree
    ``Location_<l>/Subject_<s>/Action_<a>/Data_<n>.tfrecord``, sorted."""
    return _tree(root, "Location_*/Subject_*/Action_*/Data_*.tfrecord", "AVIA")


def _tree(root: str | os.PathLike[str], pattern: str, name: str) -> list[Path]:
    r = Path(root)
    if not r.is_dir():
        raise FileNotFoundError(f"{name} root folder {r} does not exist")
    files = sorted(r.glob(pattern))
    if not files:
        raise FileNotFoundError(f"{r} holds no {name} records matching {pattern}")
    return files


def _dataset_base() -> type:
    from torch.utils.data import Dataset

    return Dataset


class SequenceRecordDataset(_dataset_base()):  # type: ignore[misc]
    """ACIVW/AVIA records as 1-s windows in the data contract of chapter 06 (torch
    ``Dataset``).

    ``files``: record paths (:func:`acivw_files`, :func:`avia_files`). Items:
        ``"acoustic"``
    float32 ``(12, 12, 36, 48)``, ``"audio"`` float32 ``(12, samples)`` (microphone
    ``mic``), ``"mfcc_mono"`` float32 ``(12, 12)``
    (:func:`acousticlib.features.single_mic_mfcc` at ``fs``), ``"frame"`` float32 ``(12,
    3, h, w)`` in [0, 1], ``"label"``, ``"location"`` and ``"clip"`` (the file's
    position in ``files``) int64. ``verify`` checks CRCs (slow, pure Python).
    """

    def __init__(
        self,
        files: Sequence[str | os.PathLike[str]],
        *,
        mic: int = 0,
        fs: float = 12288.0,
        verify: bool = False,
    ) -> None:
        if isinstance(files, (str, os.PathLike)):
            raise TypeError(
                "files must be a list of record paths (see acivw_files / avia_files); "
                "got one path"
            )
        self.files = [Path(f) for f in files]
        if not self.files:
            raise ValueError("files must list at least one record")
        self.mic = _checks.positive("mic", mic, integer=True, allow_zero=True)
        self.fs = _checks.positive("fs", fs)
        self.verify = bool(verify)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> dict[str, Any]:
        import torch

        from .features import single_mic_mfcc

        rec = read_sequence_record(self.files[i], verify=self.verify)
        out: dict[str, Any] = {
            "label": torch.tensor(rec["label"], dtype=torch.int64),
            "location": torch.tensor(rec["location"], dtype=torch.int64),
            "clip": torch.tensor(i, dtype=torch.int64),
        }
        if "acoustic" in rec:
            out["acoustic"] = torch.from_numpy(rec["acoustic"])
        if "audio" in rec:
            a = rec["audio"]
            if self.mic >= a.shape[1]:
                raise FormatError(
                    f"{self.files[i]}: has {a.shape[1]} microphone(s); mic={self.mic} "
                    f"asked"
                )
            mono = a[:, self.mic, :].astype(np.float32)
            out["audio"] = torch.from_numpy(mono)
            out["mfcc_mono"] = torch.from_numpy(
                single_mic_mfcc(
                    mono.reshape(-1),
                    self.fs,
                    frame_length=mono.shape[1],
                    normalize=False,
                )
            )
        if "frames" in rec:
            out["frame"] = torch.from_numpy(
                rec["frames"].transpose(0, 3, 1, 2).astype(np.float32) / 255
            )
        return out


# --------------------------------------------------------------------------------------
# Flickr-SoundNet localization test set
# --------------------------------------------------------------------------------------

#: Side of the square frame in which the Flickr-SoundNet boxes are given (pixels).
FLICKR_BOX_FRAME = 256


def read_flickr_boxes(path: str | os.PathLike[str]) -> np.ndarray:
    """Boxes ``(K, 4)`` = ``(xmin, ymin, xmax, ymax)`` pixels of the 256 x 256 frame
    from one annotation XML."""
    p = _require(path, "Flickr-SoundNet annotation")
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as exc:
        raise FormatError(f"{p}: not well-formed XML ({exc})") from None
    boxes = []
    for k, bbox in enumerate(root.iter("bbox")):
        children = list(bbox)
        named = {c.tag: c.text for c in children}
        try:
            if {"xmin", "ymin", "xmax", "ymax"} <= set(named):
                vals = [float(named[t]) for t in ("xmin", "ymin", "xmax", "ymax")]  # type: ignore[arg-type]
            else:
                vals = [float(c.text) for c in children[1:5]]  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise FormatError(f"{p}: bbox {k} holds a non-numeric coordinate") from None
        if len(vals) != 4 or vals[2] <= vals[0] or vals[3] <= vals[1]:
            raise FormatError(
                f"{p}: bbox {k} must give xmin < xmax and ymin < ymax after its first "
                f"child; got {vals}"
            )
        boxes.append(vals)
    if not boxes:
        raise FormatError(f"{p}: holds no <bbox> element")
    return np.asarray(boxes, dtype=np.float64)


def write_flickr_boxes(path: str | os.PathLike[str], boxes: Any) -> Path:
    """Write boxes ``(K, 4)`` = ``(xmin, ymin, xmax, ymax)`` (256 x 256 frame) as an
    annotation XML."""
    b = _checks.as_array(
        "boxes", boxes, shape=(None, 4), what="(K, 4): xmin, ymin, xmax, ymax"
    )
    root = ET.Element("annotation")
    for k, box in enumerate(b):
        obj = ET.SubElement(root, "object")
        bb = ET.SubElement(obj, "bbox")
        ET.SubElement(bb, "annotator").text = str(k)
        for tag, v in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=False):
            ET.SubElement(bb, tag).text = str(int(round(float(v))))
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(p)
    return p


def _annotation_path(root: Path, sample_id: str) -> Path:
    for folder in ("Annotations", "anno"):
        p = root / folder / f"{sample_id}.xml"
        if p.is_file():
            return p
    return root / "Annotations" / f"{sample_id}.xml"


def read_flickr_sample(
    root: str | os.PathLike[str], sample_id: str, *, size: int = 224
) -> dict[str, Any]:
    """One Flickr-SoundNet test sample: frame, audio and boxes.

    Returns ``"frame"`` uint8 ``(size, size, 3)`` RGB (resized), ``"audio"`` float32
    ``(N,)`` mono in [-1, 1], ``"fs"`` (Hz), ``"boxes"`` float ``(K, 4)`` = ``(x0, y0,
    x1, y1)`` pixels of the resized frame (each box one annotator's, for
    :func:`acousticlib.metrics.consensus_map`).
    """
    from PIL import Image

    r = Path(root)
    size = _checks.positive("size", size, integer=True)
    img_path = _require(r / "frames" / f"{sample_id}.jpg", "Flickr-SoundNet frame")
    wav_path = _require(r / "audio" / f"{sample_id}.wav", "Flickr-SoundNet audio")
    boxes = read_flickr_boxes(_annotation_path(r, sample_id)) * (
        size / FLICKR_BOX_FRAME
    )
    try:
        with Image.open(img_path) as im:
            frame = np.asarray(im.convert("RGB").resize((size, size), Image.BILINEAR))
    except OSError as exc:
        raise FormatError(f"{img_path}: not a readable image ({exc})") from None
    try:
        import soundfile

        audio, fs = soundfile.read(str(wav_path), dtype="float32", always_2d=True)
    except RuntimeError as exc:
        raise FormatError(f"{wav_path}: not a readable WAV file ({exc})") from None
    return {
        "frame": frame,
        "audio": audio.mean(axis=1).astype(np.float32),
        "fs": int(fs),
        "boxes": boxes,
    }


def write_flickr_sample(
    root: str | os.PathLike[str],
    sample_id: str,
    frame: Any,
    audio: Any,
    fs: int,
    boxes: Any,
) -> None:
    """Write a sample in the Flickr-SoundNet layout (JPEG frame, 16-bit WAV,
    annotation XML; tests)."""
    import soundfile
    from PIL import Image

    r = Path(root)
    f = _checks.as_array("frame", frame, ndim=3, dtype=np.uint8, what="(H, W, 3) RGB")
    a = _checks.as_array("audio", audio, ndim=1, dtype=np.float32)
    (r / "frames").mkdir(parents=True, exist_ok=True)
    (r / "audio").mkdir(parents=True, exist_ok=True)
    Image.fromarray(f).save(r / "frames" / f"{sample_id}.jpg", quality=95)
    soundfile.write(str(r / "audio" / f"{sample_id}.wav"), a, int(fs), subtype="PCM_16")
    write_flickr_boxes(r / "Annotations" / f"{sample_id}.xml", boxes)


class FlickrSoundNetDataset(_dataset_base()):  # type: ignore[misc]
    """The Flickr-SoundNet localization test set as a torch ``Dataset`` (ids from
    ``frames/*.jpg``).

    Items: ``"frame"`` float32 ``(3, size, size)`` in [0, 1], ``"audio"`` float32
        ``(N,)``,
    ``"fs"`` int, ``"boxes"`` float32 ``(K, 4)`` (x0, y0, x1, y1) pixels, ``"id"`` str.
    Use ``batch_size=1`` or a custom collate (audio lengths and box counts vary).
    """

    def __init__(self, root: str | os.PathLike[str], *, size: int = 224) -> None:
        self.root = Path(root)
        if not (self.root / "frames").is_dir():
            raise FileNotFoundError(
                f"Flickr-SoundNet folder {self.root / 'frames'} does not exist"
            )
        self.ids = sorted(p.stem for p in (self.root / "frames").glob("*.jpg"))
        if not self.ids:
            raise FileNotFoundError(f"{self.root / 'frames'} holds no .jpg frames")
        self.size = _checks.positive("size", size, integer=True)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        import torch

        s = read_flickr_sample(self.root, self.ids[i], size=self.size)
        return {
            "frame": torch.from_numpy(
                s["frame"].transpose(2, 0, 1).astype(np.float32) / 255
            ),
            "audio": torch.from_numpy(s["audio"]),
            "fs": s["fs"],
            "boxes": torch.from_numpy(s["boxes"].astype(np.float32)),
            "id": self.ids[i],
        }
