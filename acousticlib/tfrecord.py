"""TFRecord files and the protobuf ``tf.train.Example`` / ``SequenceExample`` codec, in
pure Python, without TensorFlow (chapter 06).

* Framing: :func:`read_tfrecords`, :func:`write_tfrecords` (per record: the payload's
  length in bytes as a little-endian uint64, the masked CRC-32C of the length, the
  payload, the masked CRC-32C of the payload; optionally GZIP-compressed) and
  :func:`crc32c`.
* Protocol buffers (wire format): :func:`parse_example`, :func:`encode_example`,
  :func:`parse_sequence_example`, :func:`encode_sequence_example`; feature values are
  bytes, float32 or int64.
* :class:`FormatError`, raised for a file that exists but does not follow its format (a
  missing file raises ``FileNotFoundError``); both name the file.

The readers of the real datasets' files (ACIVW/AVIA records, the Flickr-SoundNet test
set) are in :mod:`acousticlib.formats`, and every name here is importable from there as
before. This module imports only :mod:`acousticlib._checks`.
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _checks


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
    """Write ``records`` (bytes) as a TFRecord file; GZIP with a fixed header timestamp
    (reproducible bytes)."""
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
    """(field number, wire type, value) of a protobuf message: ints for varints, bytes
    for the rest."""
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
    """A serialised ``tf.train.SequenceExample`` -> (context ``{name: values}``, feature
    lists ``{name: [values per step]}``)."""
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
    """Serialise a ``tf.train.SequenceExample`` (context features and per-step feature
    lists)."""
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
