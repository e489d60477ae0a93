"""Chapter 14's retrieval streams, their triplet task and the experiment, on the smoke
profile."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from acousticlib import models, training
from acousticlib.experiments import retrieval as rt
from acousticlib.triplet import embedding_distances

torch.set_num_threads(1)


def test_streams_give_flattened_12x16x12_volumes_aligned_with_the_grid():
    torch.manual_seed(0)
    spec = models.model_spec("retrieval_pair", "smoke", video_channels=8)
    pair = models.build_model(spec)
    assert models.EMBEDDING_SIZE == 12 * 16 * 12
    a = pair.audio(torch.rand(3, 12, 36, 48))
    assert a.shape == (3, models.EMBEDDING_SIZE)
    # a window of frames works too (DualCamNet's own input)
    assert pair.audio(torch.rand(2, 4, 12, 36, 48)).shape == (2, 2304)
    v = pair.video(torch.randn(3, 8, 12, 16))
    assert v.shape == (3, 2304)
    # the video volume keeps its grid: a change at one cell moves only that cell's
    # 12 values (1 x 1 convolutions)
    pair.video.eval()
    x = torch.randn(1, 8, 12, 16)
    y = x.clone()
    y[0, :, 5, 7] += 3.0
    with torch.no_grad():
        diff = (pair.video(y) - pair.video(x)).reshape(12, 12, 16).abs().sum(0)
    assert diff[5, 7] > 0 and float(diff.sum() - diff[5, 7]) == 0.0
    spectro = models.build_model(
        models.model_spec(
            "retrieval_pair", "smoke", audio="spectrogram", video_channels=8
        )
    )
    assert spectro.audio(torch.randn(2, 12288)).shape == (2, 2304)
    with pytest.raises(ValueError, match="video_channels"):
        models.model_spec("retrieval_pair", "smoke")
    with pytest.raises(ValueError, match="audio must be one of"):
        models.model_spec("retrieval_pair", "smoke", audio="hearnet", video_channels=8)
    with pytest.raises(ValueError, match="x must be trunk features"):
        pair.video(torch.randn(2, 7, 12, 16))


class _Fixed(torch.nn.Module):
    """A stream returning its input: the loss of hand-made embeddings."""

    def forward(self, x):
        return x


def test_the_task_is_eq5_on_the_batch_with_its_own_clip_as_only_positive():
    pair = models.AudioVisualPair(_Fixed(), _Fixed())
    task = training.CrossModalTripletTask(pair, margin=1.0)
    # unit vectors: audio 0 sits on video 0; audio 1 is orthogonal to both
    audio = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    video = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    batch = {"audio": audio, "frame": video}
    d = task.distances(batch)
    np.testing.assert_allclose(d.numpy(), [[0.0, 4.0], [2.0, 2.0]], atol=1e-6)
    # triplets (a, p = a, n = the other): [0 - 4 + 1]_+ = 0 and [2 - 2 + 1]_+ = 1;
    # "all" averages over the triplets with a positive loss: 1 / 1
    logs = task.val_step(batch)
    assert logs["loss"] == pytest.approx(1.0)
    assert logs["triplet_accuracy"] == pytest.approx(0.5)
    # clips: two items of one clip are positives of each other, no negatives left
    same = task.val_step({**batch, "clip": torch.tensor([7, 7])})
    assert same["loss"] == 0.0 and same["triplet_accuracy"] == 1.0
    with pytest.raises(KeyError, match="'frame'"):
        task.distances({"audio": audio})
    with pytest.raises(TypeError, match="'audio' submodule"):
        training.CrossModalTripletTask(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="mining"):
        training.CrossModalTripletTask(pair, mining="semi")


def test_a_training_step_brings_each_sound_nearer_its_own_frame():
    torch.manual_seed(0)
    pair = models.build_model(
        models.model_spec("retrieval_pair", "smoke", video_channels=8)
    )
    task = training.CrossModalTripletTask(pair)
    opts = task.optimizers(training.TrainConfig(lr=1e-2))
    batch = {"audio": torch.rand(8, 12, 36, 48), "frame": torch.randn(8, 8, 12, 16)}
    pair.eval()
    with torch.no_grad():
        before = task.val_step(batch)["loss"]
    pair.train()
    for _ in range(20):
        task.train_step(batch, opts)
    pair.eval()
    with torch.no_grad():
        after = task.val_step(batch)["loss"]
    assert after < before


@pytest.fixture(scope="module")
def smoke(smoke_cache):
    mp = pytest.MonkeyPatch()
    mp.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
    yield
    mp.undo()


def test_inputs_line_up_clip_by_clip_in_both_domains(smoke):
    from acousticlib.experiments import arrayfree as af
    from acousticlib.experiments.classifiers import classifier_windows

    real = rt.retrieval_inputs("camera", "real", "test", "smoke")
    windows, labels = classifier_windows("real", "test", "smoke")
    assert torch.equal(real.tensors["label"], labels)
    np.testing.assert_allclose(
        real.tensors["audio"][1].numpy(),
        windows[1].float().mean(0).numpy(),
        rtol=1e-6,
    )
    n = len(labels)
    assert real.tensors["frame"].shape[:1] == (n,)
    assert real.tensors["frame"].shape[2:] == (12, 16)
    spectro = rt.retrieval_inputs("camera", "spectrogram", "test", "smoke")
    assert spectro.tensors["audio"].shape == (n, 12288)
    assert torch.equal(spectro.tensors["frame"], real.tensors["frame"])
    free = rt.retrieval_inputs("arrayfree", "mcgan", "test", "smoke")
    assert torch.equal(free.tensors["label"], af.arrayfree_labels("test", "smoke"))
    feats = af.arrayfree_features("test", "camera", "smoke", 0, progress=False)
    np.testing.assert_allclose(
        free.tensors["frame"][0].numpy(),
        np.asarray(feats[:12], np.float32).mean(0),
        rtol=1e-5,
    )
    with pytest.raises(ValueError, match="source must be one of"):
        rt.retrieval_inputs("arrayfree", "real", "test", "smoke")
    with pytest.raises(ValueError, match="domain must be one of"):
        rt.retrieval_inputs("vggsound", "real", "test", "smoke")


def test_scores_are_the_metrics_of_the_pairs_own_embeddings(smoke):
    s = rt.retrieval_scores("camera", "tiled", "smoke")
    trained = rt.train_retrieval_pair("camera", "tiled", "smoke", progress=False)
    assert trained.origin in ("trained", "cached")
    inputs = rt.retrieval_inputs("camera", "tiled", "test", "smoke")
    a, v = rt.retrieval_embeddings(trained.model, inputs)
    d = embedding_distances(torch.from_numpy(a), torch.from_numpy(v)).numpy()
    np.testing.assert_allclose(s["distances"], d, rtol=1e-6)
    y = inputs.tensors["label"].numpy()
    hit = y[d.argmin(1)] == y
    assert s["cmc_av"][1] == pytest.approx(hit.mean())
    assert s["cmc_va"][1] == pytest.approx((y[d.argmin(0)] == y).mean())
    assert s["cmc_av"][30] == 1.0
    assert s["recall_av"][1] == pytest.approx(
        np.mean((d <= np.diag(d)[:, None]).sum(1) == 1)
    )
    # another training seed is another model
    other = rt.retrieval_scores("camera", "tiled", "smoke", train_seed=1)
    assert not np.allclose(other["distances"], s["distances"])
    with pytest.raises(ValueError, match="train_seed"):
        rt.train_retrieval_pair("camera", "tiled", "smoke", train_seed=-1)
    assert rt.retrieval_weights("arrayfree", "mcgan_class", "book", 0, 2) == (
        "ch14-arrayfree-mcgan_class-book-seed0-train2"
    )
