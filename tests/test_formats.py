"""Readers of the real on-disk formats (ACIVW/AVIA TFRecords, Flickr-SoundNet), on
small files written here."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch

from acousticlib import formats, metrics


def test_crc32c_known_value():
    # the standard check value of CRC-32C
    assert formats.crc32c(b"123456789") == 0xE3069283


def test_tfrecord_round_trip_plain_and_gzip(tmp_path):
    recs = [b"", b"abc", bytes(range(256)) * 3]
    for comp in (None, "GZIP"):
        p = formats.write_tfrecords(
            tmp_path / f"x-{comp}.tfrecord", recs, compression=comp
        )
        assert list(formats.read_tfrecords(p)) == recs
    a = (tmp_path / "x-GZIP.tfrecord").read_bytes()
    formats.write_tfrecords(tmp_path / "y.tfrecord", recs)
    # reproducible bytes (fixed gzip header)
    assert (tmp_path / "y.tfrecord").read_bytes() == a


def test_example_encoding_round_trip():
    data = formats.encode_example(
        {"label": 3, "neg": [-5, 7], "f": [0.5, -1.25], "b": b"\x00\x01"}
    )
    out = formats.parse_example(data)
    assert out == {"label": [3], "neg": [-5, 7], "f": [0.5, -1.25], "b": [b"\x00\x01"]}


def _record(rng, T=12, h=12, w=16):
    return dict(
        acoustic=rng.standard_normal((T, 12, 36, 48)).astype(np.float32),
        audio=rng.integers(-(2**20), 2**20, (T, 1, 1024)).astype(np.int32),
        frames=rng.integers(0, 256, (T, h, w, 3)).astype(np.uint8),
    )


def test_acivw_record_round_trip_and_tree(tmp_path):
    rng = np.random.default_rng(0)
    r = _record(rng)
    path = tmp_path / "class_4" / "data_002" / "Data_001.tfrecord"
    formats.write_sequence_record(path, label=4, location=2, **r)
    out = formats.read_sequence_record(path)
    assert out["label"] == 4 and out["location"] == 2
    np.testing.assert_array_equal(out["acoustic"], r["acoustic"])
    np.testing.assert_array_equal(out["audio"], r["audio"])
    np.testing.assert_array_equal(out["frames"], r["frames"])
    # the stored layout is the authors': 180-degree turned images, BGR frames, gzip, one
    # SequenceExample
    payload = list(formats.read_tfrecords(path))[0]
    ctx, lists = formats.parse_sequence_example(payload)
    assert (
        ctx["audio_image/height"] == [36]
        and ctx["audio_image/depth"] == [12]
        and ctx["classes"] == [4]
    )
    raw = np.frombuffer(lists["audio/image"][0][0], "<f4").reshape(36, 48, 12)
    np.testing.assert_array_equal(raw, r["acoustic"][0].transpose(1, 2, 0)[::-1, ::-1])
    bgr = np.frombuffer(lists["video/image"][0][0], np.uint8).reshape(12, 16, 3)
    np.testing.assert_array_equal(bgr, r["frames"][0][..., ::-1])
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert formats.acivw_files(tmp_path) == [path]
    ds = formats.SequenceRecordDataset(formats.acivw_files(tmp_path))
    item = ds[0]
    assert item["acoustic"].shape == (12, 12, 36, 48) and item["frame"].shape == (
        12,
        3,
        12,
        16,
    )
    assert item["audio"].shape == (12, 1024) and item["mfcc_mono"].shape == (12, 12)
    assert item["label"].dtype == torch.int64


def test_avia_layout(tmp_path):
    rng = np.random.default_rng(1)
    r = _record(rng, T=12)
    p = tmp_path / "Location_01" / "Subject_02" / "Action_003" / "Data_001.tfrecord"
    formats.write_sequence_record(
        p,
        label=2,
        location=0,
        dataset="avia",
        extra={"subject": 1},
        acoustic=r["acoustic"],
    )
    out = formats.read_sequence_record(p)
    assert out["label"] == 2 and out["subject"] == 1 and "frames" not in out
    assert formats.avia_files(tmp_path) == [p]


def test_missing_and_malformed_records_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.tfrecord"):
        formats.read_sequence_record(tmp_path / "nothere.tfrecord")
    with pytest.raises(FileNotFoundError, match="holds no ACIVW"):
        formats.acivw_files(tmp_path)
    rng = np.random.default_rng(2)
    good = formats.write_sequence_record(
        tmp_path / "good.tfrecord", label=1, location=1, **_record(rng)
    )
    raw = gzip.decompress(good.read_bytes())
    bad = tmp_path / "truncated.tfrecord"
    bad.write_bytes(gzip.compress(raw[: len(raw) // 2]))
    with pytest.raises(formats.FormatError, match="truncated.tfrecord"):
        formats.read_sequence_record(bad)
    flipped = bytearray(raw)
    flipped[100] ^= 0xFF
    corrupt = tmp_path / "corrupt.tfrecord"
    corrupt.write_bytes(gzip.compress(bytes(flipped)))
    with pytest.raises(formats.FormatError, match="corrupt.tfrecord"):
        formats.read_sequence_record(corrupt)
    junk = tmp_path / "junk.tfrecord"
    junk.write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(formats.FormatError, match="junk.tfrecord"):
        formats.read_sequence_record(junk)
    wrong = tmp_path / "wrong.tfrecord"
    formats.write_tfrecords(
        wrong,
        [
            formats.encode_sequence_example(
                {
                    "classes": 1,
                    "location": 0,
                    "audio_image/height": 36,
                    "audio_image/width": 48,
                    "audio_image/depth": 12,
                },
                {"audio/image": [b"\x00" * 10]},
            )
        ],
    )
    with pytest.raises(formats.FormatError, match="wrong.tfrecord.*audio/image"):
        formats.read_sequence_record(wrong)


def test_flickr_soundnet_round_trip_and_consensus(tmp_path):
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (256, 256, 3)).astype(np.uint8)
    audio = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    boxes = np.array([[32, 64, 160, 192], [40, 60, 150, 200], [30, 70, 170, 180]])
    formats.write_flickr_sample(tmp_path, "1234", frame, audio, 16000, boxes)
    s = formats.read_flickr_sample(tmp_path, "1234", size=224)
    assert s["frame"].shape == (224, 224, 3) and s["fs"] == 16000
    np.testing.assert_allclose(s["audio"], audio, atol=1e-4)
    np.testing.assert_allclose(s["boxes"], boxes * 224 / 256)
    cons = metrics.consensus_map([[b] for b in s["boxes"]], (224, 224))
    assert cons.max() == 1.0 and set(np.unique(cons)) <= {0.0, 0.5, 1.0}
    ds = formats.FlickrSoundNetDataset(tmp_path)
    assert (
        len(ds) == 1
        and ds[0]["frame"].shape == (3, 224, 224)
        and ds[0]["boxes"].shape == (3, 4)
    )


def test_flickr_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="frames"):
        formats.FlickrSoundNetDataset(tmp_path)
    (tmp_path / "Annotations").mkdir()
    bad = tmp_path / "Annotations" / "9.xml"
    bad.write_text("<annotation><object><bbox><a>0</a><b>1</b>")
    with pytest.raises(formats.FormatError, match="9.xml"):
        formats.read_flickr_boxes(bad)
    bad.write_text(
        "<annotation><object><bbox><a>0</a><b>50</b><c>10</c><d>20</d><e>5</e></bbox></object></annotation>"
    )
    with pytest.raises(formats.FormatError, match="9.xml"):
        formats.read_flickr_boxes(bad)
    rng = np.random.default_rng(4)
    formats.write_flickr_sample(
        tmp_path,
        "7",
        rng.integers(0, 255, (32, 32, 3)).astype(np.uint8),
        np.zeros(100, np.float32),
        8000,
        [[1, 1, 10, 10]],
    )
    (tmp_path / "audio" / "7.wav").unlink()
    with pytest.raises(FileNotFoundError, match="7.wav"):
        formats.read_flickr_sample(tmp_path, "7")
