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
payload, masked CRC-32C of the payload) and the protobuf wire format are parsed in pure
Python by :mod:`acousticlib.tfrecord` (every name of it importable from here as before;
imports run one way, ``tfrecord`` -> ``formats``); :func:`write_sequence_record` writes
the same layout (tests, and exporting the simulated dataset to the authors' tools).

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

import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _checks
from .tfrecord import (
    FormatError,
    _require,
    crc32c,
    encode_example,
    encode_sequence_example,
    parse_example,
    parse_sequence_example,
    read_tfrecords,
    write_tfrecords,
)

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
    ``"acoustic"`` float32 ``(12, 12, 36, 48)``, ``"audio"`` float32 ``(12, samples)``
    (microphone ``mic``), ``"mfcc_mono"`` float32 ``(12, 12)``
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
    """Write a sample in the Flickr-SoundNet layout (JPEG frame, 16-bit WAV, annotation
    XML; tests)."""
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
    ``(N,)``, ``"fs"`` int, ``"boxes"`` float32 ``(K, 4)`` (x0, y0, x1, y1) pixels,
    ``"id"`` str. Use ``batch_size=1`` or a custom collate (audio lengths and box counts
    vary).
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
