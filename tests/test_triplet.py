"""Chapter 12's objectives and tasks (acousticlib.triplet, losses.distillation_loss,
training.TripletTask / TransferTask / DistillationTask, metrics.select_k) on hand-built
cases and tiny stand-in networks."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from acousticlib.losses import distillation_loss
from acousticlib.metrics import cmc, cmc_from_distances, knn_accuracy, select_k
from acousticlib.training import (
    DictDataset,
    DistillationTask,
    TrainConfig,
    TransferTask,
    TripletTask,
    fit,
)
from acousticlib.triplet import (
    AudioVisualPair,
    audio_conditioned_video,
    audio_vector,
    audio_visual_distances,
    audio_visual_triplet_loss,
    batch_triplet_loss,
    conditioned_video_pairs,
    curriculum_mining,
    embedding_distances,
    transfer_loss,
    triplet_accuracy,
    triplet_loss,
)

torch.set_num_threads(1)

# a 3 x 3 batch: d[a, j] between anchor a and partner j (hand-made numbers)
D3 = torch.tensor([[0.1, 0.5, 0.2], [0.4, 0.3, 1.0], [0.9, 0.8, 0.05]])


def test_triplet_loss_by_hand():
    # the vectors are normalised first: [3, 0] -> [1, 0], [2, 0] -> [1, 0]
    anchor = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    positive = torch.tensor([[0.0, 1.0], [3.0, 0.0]])
    negative = torch.tensor([[2.0, 0.0], [0.0, -1.0]])
    # triplet 1: |a-p|^2 = 2, |a-n|^2 = 0 -> 2 + m; triplet 2: 0 - 2 + m < 0 -> 0
    assert float(triplet_loss(anchor, positive, negative)) == pytest.approx(2.2 / 2)
    assert float(triplet_loss(anchor, positive, negative, margin=0.5)) == (
        pytest.approx(2.5 / 2)
    )


def test_audio_conditioned_video_by_hand():
    video = torch.tensor([[[[1.0, 2.0]], [[3.0, 0.0]]]])  # (1, D=2, H=1, W=2)
    audio_map = torch.tensor([[[[1.0, 1.0]], [[2.0, 5.0]]]])
    # c[d] = sum_hw a V^2: d=0: 1*1 + 1*4 = 5; d=1: 2*9 + 5*0 = 18
    assert audio_conditioned_video(audio_map, video).tolist() == [[5.0, 18.0]]
    # a vector is tiled: c = a * sum_hw V^2 = [2 * 5, -1 * 9]
    audio_vec = torch.tensor([[2.0, -1.0]])
    assert audio_conditioned_video(audio_vec, video).tolist() == [[10.0, -9.0]]
    # the audio vector of a map is its spatial sum
    assert audio_vector(audio_map).tolist() == [[2.0, 7.0]]


def test_pairs_and_distances_agree_with_explicit_loops():
    g = torch.Generator().manual_seed(0)
    audio = torch.randn(3, 4, 2, 3, generator=g)
    video = torch.randn(5, 4, 2, 3, generator=g)
    pairs = conditioned_video_pairs(audio, video)
    assert pairs.shape == (3, 5, 4)
    for q in range(3):
        for v in range(5):
            one = audio_conditioned_video(audio[q : q + 1], video[v : v + 1])[0]
            assert torch.allclose(pairs[q, v], one, atol=1e-5)
    d = audio_visual_distances(audio, video)
    u = F.normalize(audio.sum(dim=(2, 3)), dim=1)
    ref = torch.stack(
        [
            torch.stack(
                [
                    (u[q] - F.normalize(pairs[q, v], dim=0)).pow(2).sum()
                    for v in range(5)
                ]
            )
            for q in range(3)
        ]
    )
    assert torch.allclose(d, ref, atol=1e-5)
    # chunks of one query give the same matrix; Euclidean is the square root
    assert torch.allclose(audio_visual_distances(audio, video, max_elements=1), d)
    assert torch.allclose(audio_visual_distances(audio, video, squared=False), d.sqrt())


def test_a_vector_acts_as_its_tiled_map():
    g = torch.Generator().manual_seed(1)
    vec = torch.randn(3, 4, generator=g)
    video = torch.randn(3, 4, 2, 3, generator=g)
    tiled = vec[:, :, None, None].expand(3, 4, 2, 3)
    assert torch.allclose(
        audio_visual_distances(vec, video), audio_visual_distances(tiled, video)
    )


def test_mining_all_and_hardest_by_hand():
    m = dict(margin=0.2)
    # each item its own clip: positive losses (0.1 - 0.2 + 0.2) and (0.3 - 0.4 + 0.2)
    # among 6 valid triplets; "all" averages over the 2 positive ones
    assert float(batch_triplet_loss(D3, **m)) == pytest.approx(0.2 / 2)
    # hardest per anchor: (0.1, 0.2) -> 0.1, (0.3, 0.4) -> 0.1, (0.05, 0.8) -> 0
    assert float(batch_triplet_loss(D3, mining="hardest", **m)) == (
        pytest.approx(0.2 / 3)
    )
    assert float(triplet_accuracy(D3, **m)) == pytest.approx(4 / 6)
    # items 0 and 1 from the same clip: anchor 0 has positives 0.1, 0.5, negative 0.2
    ids = torch.tensor([7, 7, 3])
    assert float(batch_triplet_loss(D3, ids, **m)) == pytest.approx((0.1 + 0.5) / 2)
    assert float(batch_triplet_loss(D3, ids, mining="hardest", **m)) == (
        pytest.approx(0.5 / 3)
    )


def test_a_batch_of_one_clip_gives_zero_loss_with_a_gradient():
    d = D3.clone().requires_grad_(True)
    same = torch.zeros(3, dtype=torch.long)
    for mining in ("all", "hardest"):
        loss = batch_triplet_loss(d, same, mining=mining)
        assert float(loss.detach()) == 0.0
        loss.backward()
    assert float(triplet_accuracy(D3, same)) == 1.0


def test_curriculum_switches_after_the_given_epochs():
    assert [curriculum_mining(e, 2) for e in range(4)] == [
        "all",
        "all",
        "hardest",
        "hardest",
    ]
    assert curriculum_mining(0, 0) == "hardest"
    assert [curriculum_mining(e) for e in (3, 4)] == ["all", "hardest"]


WIDTH = 16  # channels D of the stand-in streams (3 are too few to learn the toy task)


class _Video(nn.Module):
    """A stand-in video stream: (B, 3, 2, 2) frames -> (B, WIDTH, 2, 2) maps."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, WIDTH, 1)

    def forward(self, x):
        return torch.relu(self.conv(x))


def _pair(seed: int = 0) -> AudioVisualPair:
    torch.manual_seed(seed)
    return AudioVisualPair(nn.Linear(4, WIDTH), _Video())


def _clips(n: int = 8, seed: int = 0) -> DictDataset:
    g = torch.Generator().manual_seed(seed)
    return DictDataset(
        audio=torch.randn(n, 4, generator=g),
        frame=torch.randn(n, 3, 2, 2, generator=g),
        acoustic=torch.randn(n, 2, 2, 2, generator=g),
        label=torch.arange(n) % 2,
        clip=torch.arange(n),
    )


def test_triplet_task_follows_the_curriculum_through_fit_and_learns():
    model = _pair()
    task = TripletTask(model, curriculum_epochs=2)
    seen = []
    original = task.start_epoch
    task.start_epoch = lambda epoch: (seen.append(epoch), original(epoch))[1]
    data = _clips()
    res = fit(
        model,
        data,
        data,
        TrainConfig(epochs=20, batch_size=8, lr=3e-2, monitor="triplet_accuracy"),
        task=task,
        progress=False,
    )
    assert seen == list(range(20))
    mined = [h["train"]["hardest_mining"] for h in res.history]
    assert mined == [0.0, 0.0] + [1.0] * 18
    # the share of triplets meeting the margin rises, and the best epoch maximises it
    accuracy = [h["val"]["triplet_accuracy"] for h in res.history]
    assert res.best_value == max(accuracy) and max(accuracy) > accuracy[0] + 0.3


def test_a_resumed_run_tells_the_task_its_epoch(tmp_path):
    config = TrainConfig(epochs=3, batch_size=4)
    model = _pair()

    def stop(epoch, record):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(
            model, _clips(), None, config, task=TripletTask(model, curriculum_epochs=2),
            checkpoint=tmp_path / "run.pt", callback=stop, progress=False,
        )  # fmt: skip
    task = TripletTask(model, curriculum_epochs=2)
    res = fit(
        model, _clips(), None, config, task=task, checkpoint=tmp_path / "run.pt",
        progress=False,
    )  # fmt: skip
    assert [h["train"]["hardest_mining"] for h in res.history] == [0.0, 0.0, 1.0]
    assert task.mining == "hardest"


def test_transfer_loss_at_alpha_0_and_1_is_each_term():
    g = torch.Generator().manual_seed(2)
    student = torch.randn(4, 3, generator=g)
    teacher = torch.randn(4, 3, 2, 2, generator=g)
    video = torch.randn(4, 3, 2, 2, generator=g)
    video_term = audio_visual_triplet_loss(student, video)
    teacher_term = batch_triplet_loss(
        embedding_distances(student, teacher.sum(dim=(2, 3)))
    )
    assert float(transfer_loss(student, teacher, video, 0.0)["loss"]) == (
        pytest.approx(float(video_term))
    )
    assert float(transfer_loss(student, teacher, video, 1.0)["loss"]) == (
        pytest.approx(float(teacher_term))
    )
    mixed = transfer_loss(student, teacher, video, 0.3)
    assert float(mixed["loss"]) == pytest.approx(
        0.3 * float(teacher_term) + 0.7 * float(video_term)
    )


def test_transfer_task_trains_the_student_and_never_the_teacher():
    model = _pair()
    teacher = nn.Conv2d(2, WIDTH, 1)
    before = [p.clone() for p in teacher.parameters()]
    student_before = [p.clone() for p in model.parameters()]
    task = TransferTask(model, teacher, alpha=0.5, curriculum_epochs=1)
    res = fit(
        model, _clips(), None, TrainConfig(epochs=2, batch_size=4), task=task,
        progress=False,
    )  # fmt: skip
    assert {"transfer", "video"} <= set(res.history[0]["train"])
    for p, q in zip(teacher.parameters(), before, strict=True):
        assert torch.equal(p, q) and p.grad is None and not p.requires_grad
    assert not all(
        torch.equal(p, q)
        for p, q in zip(model.parameters(), student_before, strict=True)
    )
    assert not any(k.startswith("teacher") for k in model.state_dict())


def test_distillation_at_lambda_0_is_cross_entropy_and_at_1_the_soft_term():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(5, 4, generator=g)
    teacher = torch.randn(5, 4, generator=g)
    labels = torch.tensor([0, 1, 2, 3, 0])
    ce = F.cross_entropy(logits, labels)
    out = distillation_loss(logits, labels, teacher, lambda_teacher=0.0)
    assert float(out["loss"]) == pytest.approx(float(ce))
    soft = -(F.softmax(teacher, 1) * F.log_softmax(logits, 1)).sum(1).mean()
    out = distillation_loss(logits, labels, teacher, lambda_teacher=1.0)
    assert float(out["loss"]) == pytest.approx(float(soft))
    # T^2 scaling of a softened student and teacher
    soft2 = -(F.softmax(teacher / 2, 1) * F.log_softmax(logits / 2, 1)).sum(1).mean()
    out = distillation_loss(logits, labels, teacher, 1.0, temperature=2.0)
    assert float(out["loss"]) == pytest.approx(4 * float(soft2))


def test_distillation_task_leaves_the_teacher_alone():
    torch.manual_seed(0)
    student = nn.Linear(4, 2)
    teacher = nn.Sequential(nn.Flatten(), nn.Linear(8, 2))
    before = [p.clone() for p in teacher.parameters()]
    task = DistillationTask(student, teacher)
    res = fit(
        student, _clips(), None, TrainConfig(epochs=2, batch_size=4), task=task,
        progress=False,
    )  # fmt: skip
    assert {"loss", "ce", "soft", "accuracy"} <= set(res.history[-1]["train"])
    for p, q in zip(teacher.parameters(), before, strict=True):
        assert torch.equal(p, q) and p.grad is None


def test_select_k_by_hand():
    # class 0 near 0, class 1 near 1, plus a class-1 outlier at 0.45
    train_x = [[0.0], [0.1], [0.2], [0.45], [1.0], [1.1]]
    train_y = [0, 0, 0, 1, 1, 1]
    # 0.4: k=1 sees the outlier (wrong); k=3 and k=5 vote class 0 (right)
    best, acc = select_k(train_x, train_y, [[0.4]], [0], ks=(5, 1, 3))
    assert acc == {1: 0.0, 3: 1.0, 5: 1.0}
    assert best == 3  # the tie between 3 and 5 goes to the smaller k
    for k in (1, 3, 5):
        assert knn_accuracy(train_x, train_y, [[0.4]], [0], k=k) == acc[k]


def test_cmc_from_distances_matches_cmc():
    g = torch.Generator().manual_seed(4)
    q, gal = torch.randn(6, 3, generator=g), torch.randn(9, 3, generator=g)
    yq, yg = torch.arange(6) % 3, torch.arange(9) % 3
    d = torch.cdist(q.double(), gal.double())
    assert cmc_from_distances(d, yq, yg, (1, 3)) == cmc(q, yq, gal, yg, (1, 3))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: transfer_loss(torch.ones(2, 3), torch.ones(2, 3), V, 1.5), "alpha"),
        (lambda: TransferTask(_pair(), nn.Linear(1, 1), alpha=-0.1), "alpha"),
        (lambda: transfer_loss(P, torch.ones(2, 3), V, 0.5), "student and teacher"),
        (lambda: knn_accuracy([[0.0], [1.0]], [0, 1], [[0.5]], [0], k=0), "k"),
        (lambda: select_k([[0.0], [1.0]], [0, 1], [[0.5]], [0], ks=(1, 0)), "ks"),
        (lambda: select_k([[0.0], [1.0]], [0, 1], [[0.5]], [0], ks=(3,)), "ks"),
        (lambda: audio_conditioned_video(torch.ones(2, 4), V), "audio and video_map"),
        (lambda: audio_conditioned_video(torch.ones(3, 3), V), "audio and video_map"),
        (lambda: audio_visual_distances(torch.ones(2, 3, 1, 2), V), "grid"),
        (lambda: triplet_loss(P, P, torch.ones(3, 2)), "anchor and negative"),
        (lambda: triplet_loss(P, P, P, margin=-0.1), "margin"),
        (lambda: batch_triplet_loss(D3, margin=-1.0), "margin"),
        (lambda: batch_triplet_loss(D3, mining="semi"), "mining"),
        (lambda: batch_triplet_loss(D3[:2]), "distances"),
        (lambda: batch_triplet_loss(D3, torch.zeros(2)), "ids"),
        (lambda: curriculum_mining(0, -1), "curriculum_epochs"),
        (lambda: TripletTask(_pair(), margin=-0.2), "margin"),
        (lambda: distillation_loss(P, torch.zeros(2), P, 1.5), "lambda_teacher"),
        (lambda: distillation_loss(P, torch.zeros(2), P, temperature=0), "temperature"),
        (lambda: distillation_loss(P, torch.zeros(3), P), "labels"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


V = torch.ones(2, 3, 2, 2)
P = torch.ones(2, 2)


def test_wrong_types_are_refused():
    with pytest.raises(TypeError, match="model must hold an 'audio'"):
        TripletTask(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="video must be a torch.nn.Module"):
        AudioVisualPair(nn.Linear(2, 2), "resnet")
    with pytest.raises(TypeError, match="teacher must be a torch.nn.Module"):
        TransferTask(_pair(), None, alpha=0.5)
    model = _pair()
    with pytest.raises(ValueError, match="teacher must not share"):
        TransferTask(model, model.video, alpha=0.5)
    with pytest.raises(TypeError, match="audio must be a torch tensor"):
        audio_conditioned_video([[1.0, 2.0]], V)


def test_chapter_12_networks_train_together_through_fit():
    """The book's streams at smoke widths in one pipeline: the teacher (DualCamNet's
    map + the video stream) trained by the triplet task, then HearNet + a new video
    stream trained with the transfer term towards the frozen teacher map."""
    from acousticlib.features import linear_spectrogram
    from acousticlib.models import AcousticMapNet, build_model, model_spec
    from acousticlib.training import TrainConfig, TransferTask, fit

    torch.manual_seed(0)
    n = 6
    audio = torch.randn(n, 12288) * 0.1
    data = DictDataset(
        audio=torch.as_tensor(linear_spectrogram(audio.numpy(), 12288)),
        frame=torch.rand(n, 3, 144, 192),
        acoustic=torch.rand(n, 12, 12, 36, 48),
        clip=torch.arange(n),
    )
    teacher_net = build_model(model_spec("dualcamnet", "smoke"))
    teacher = AudioVisualPair(
        AcousticMapNet(teacher_net), build_model(model_spec("video_stream", "smoke"))
    )
    config = TrainConfig(epochs=1, batch_size=3, lr=1e-3, seed=0)
    before = [p.detach().clone() for p in teacher_net.parameters()]
    fit(
        teacher,
        data,
        config=config,
        progress=False,
        task=TripletTask(teacher, audio_key="acoustic"),
    )
    assert any(
        not torch.equal(a, b)
        for a, b in zip(before, teacher_net.parameters(), strict=True)
    ), "the teacher's DualCamNet was not trained through its map"
    student = AudioVisualPair(
        build_model(model_spec("hearnet", "smoke")),
        build_model(model_spec("video_stream", "smoke")),
    )
    frozen = [p.detach().clone() for p in teacher_net.parameters()]
    result = fit(
        student,
        data,
        config=config,
        progress=False,
        task=TransferTask(student, teacher=AcousticMapNet(teacher_net), alpha=0.5),
    )
    assert all(
        torch.equal(a, b) for a, b in zip(frozen, teacher_net.parameters(), strict=True)
    )
    assert torch.isfinite(torch.tensor(result.history[-1]["train"]["loss"]))
