"""One training loop for every model of the book, with checkpoints and a cache of
trained models.

Chapters 07-12 train with it (chapter 08 explains it once). :func:`fit` runs epochs over
a map-style torch ``Dataset`` of dicts (the data contract of chapter 06) and

* shows progress bars (``progress=False`` hides them);
* is **deterministic**: the shuffle order and every random draw of epoch ``e`` (the
  U-VAE's reparameterization noise, MCGAN's z) are seeded from ``(seed, e)``, so a run
  is a function of its seed, and a run resumed at an epoch boundary continues exactly as
  if never interrupted;
* keeps the weights of the epoch with the best **validation** metric and restores them
  at the end;
* writes a checkpoint after every epoch **atomically** (temporary file +
  ``os.replace``), and resumes from it when called again with the same ``checkpoint``
  path;
* runs on any torch ``device``, in fp32 or (on CUDA) under bfloat16 autocast
  (``TrainConfig.precision``);
* trains on several processes at once under torchrun, with ``DistributedDataParallel``
  (:mod:`~acousticlib.training.distributed`; the appendix).

How one batch is trained depends on the model (ELBO for the U-VAE, alternating
discriminator and generator steps for AU-VAE and MCGAN, cross-entropy for classifiers,
triplet losses for chapter 12's audio-visual streams); a small *task* object
(:class:`VAETask`, :class:`AdversarialTask`, :class:`ClassifierTask`,
:class:`TripletTask`, ...) supplies that step and the loop stays one; :func:`fit` tells
the task when each epoch starts (:meth:`Task.start_epoch`, chapter 12's curriculum).
:func:`train_cached` stores trained models in :mod:`acousticlib.cache`, keyed by model
spec, training config and a dataset key, so later chapters reuse them.

The package, one module per part of the loop (imports run one way, ``config`` ->
``tasks`` -> ``distillation``, ``retrieval``, ``event_localization`` ->
``distributed`` -> ``loop`` ->
``cache``; ``loop`` needs only ``tasks`` and ``distributed``):

* :mod:`~acousticlib.training.config` -- :class:`TrainConfig`, :data:`LR_SCHEDULES`,
  :data:`PRECISIONS`, :class:`DictDataset`;
* :mod:`~acousticlib.training.tasks` -- :class:`Task`, :class:`VAETask`,
  :class:`AdversarialTask`, :class:`ClassifierTask`, :func:`task_for`;
* :mod:`~acousticlib.training.distillation` -- chapter 12's :class:`TripletTask`,
  :class:`TransferTask`, :class:`DistillationTask` (passed to :func:`fit` as
  ``task=``);
* :mod:`~acousticlib.training.retrieval` -- chapter 14's
  :class:`CrossModalTripletTask` (the TIP paper's Eq. 5, :data:`TIP_MARGIN`);
* :mod:`~acousticlib.training.event_localization` -- chapter 16's
  :class:`SupervisedEventTask`, :class:`WeakEventTask` and :class:`AVTGMLTask`
  (Ramaswamy and Das 2020);
* :mod:`~acousticlib.training.distributed` -- torchrun's process group
  (:func:`~acousticlib.training.distributed.process_group`), its sampler, the DDP
  wrapper and the metrics averaged over the processes;
* :mod:`~acousticlib.training.loop` -- :func:`fit`, :class:`FitResult`,
  :func:`evaluate`, :data:`HIGHER_IS_BETTER`;
* :mod:`~acousticlib.training.cache` -- :func:`train_cached`, :class:`TrainedModel`,
  :func:`model_cache_key`, :data:`MODEL_CODE_VERSION`, :data:`SHIPPED_WEIGHTS`,
  :func:`shipped`, :func:`ship_weights`.

Every name is importable from here as before. A test that replaces a name the package
looks up at call time (``SHIPPED_WEIGHTS``, say) patches it in the module that uses it
(``training.cache``).
"""

from __future__ import annotations

from . import distributed
from .cache import (
    MODEL_CODE_VERSION,
    SHIPPED_WEIGHTS,
    TrainedModel,
    model_cache_key,
    ship_weights,
    shipped,
    train_cached,
)
from .config import LR_SCHEDULES, PRECISIONS, DictDataset, TrainConfig
from .distillation import DistillationTask, TransferTask, TripletTask
from .event_localization import AVTGMLTask, SupervisedEventTask, WeakEventTask
from .loop import HIGHER_IS_BETTER as HIGHER_IS_BETTER
from .loop import FitResult, evaluate, fit
from .retrieval import TIP_MARGIN, CrossModalTripletTask
from .tasks import AdversarialTask, ClassifierTask, Task, VAETask, task_for

__all__ = [
    "AVTGMLTask",
    "SupervisedEventTask",
    "WeakEventTask",
    "CrossModalTripletTask",
    "TIP_MARGIN",
    "AdversarialTask",
    "ClassifierTask",
    "DictDataset",
    "DistillationTask",
    "FitResult",
    "LR_SCHEDULES",
    "MODEL_CODE_VERSION",
    "PRECISIONS",
    "SHIPPED_WEIGHTS",
    "Task",
    "TrainConfig",
    "TrainedModel",
    "TransferTask",
    "TripletTask",
    "VAETask",
    "distributed",
    "evaluate",
    "fit",
    "model_cache_key",
    "ship_weights",
    "shipped",
    "task_for",
    "train_cached",
]
