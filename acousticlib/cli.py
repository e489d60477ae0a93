"""The command line, ``python -m acousticlib``: train, build-dataset, evaluate.

The chapters' datasets and models, made outside a notebook (a long run, a larger
profile, another machine) by the same functions the chapters call, so that what a
command trains **is** the cache entry a chapter then loads (same cache key, same
folder)::

    python -m acousticlib build-dataset --profile book --seed 0 --workers 2
    python -m acousticlib build-dataset --profile full --shard 3/8   (one of 8 shards)
    python -m acousticlib merge-shards --profile full --count 8   (after all 8)
    python -m acousticlib train uvae --profile book --seed 0 --device cpu
    torchrun --standalone --nproc_per_node 4 -m acousticlib train uvae --profile full \
        --device cuda   (4 processes, DistributedDataParallel; --precision bf16)
    python -m acousticlib evaluate uvae --profile book --seed 0
    python -m acousticlib train --help   (the models and profiles)

Each command prints one JSON object on standard output (progress bars and messages go
to standard error). A training run stopped by SIGTERM or Ctrl-C stops cleanly (exit
status 143 or 130) and one killed outright leaves its last epoch's checkpoint: the same
command run again resumes from that checkpoint
(:func:`acousticlib.training.train_cached`) and ends with the weights and history of an
uninterrupted run. Bad arguments (an unknown model or profile) exit with status 2 and a
message naming what was expected. Under torchrun (``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` set) ``train`` and ``evaluate`` join the process group
(:func:`acousticlib.training.distributed.process_group`): the model trains with
``DistributedDataParallel``, rank 0 writes the cache entry, which is the one a single
process writes (same key), and rank 0 alone prints the JSON. Its models
(:data:`MODELS`, :func:`train_model`, :func:`score_model`) live in
:mod:`acousticlib._cli_models`, re-exported here. On top of the package: nothing imports
it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from ._cli_models import _GENERATORS, MODELS, score_model, train_model
from ._cli_models import ModelEntry as ModelEntry
from .runtime import PROFILES, resolve_device

#: Exit status of a run stopped by SIGTERM (128 + the signal's number, as shells do).
EXIT_SIGTERM = 128 + signal.SIGTERM
#: Exit status of a run stopped by Ctrl-C.
EXIT_INTERRUPT = 128 + signal.SIGINT


class Terminated(BaseException):
    """Raised in the main thread of the command line when the process receives SIGTERM.

    A ``BaseException``, like ``KeyboardInterrupt``: no ``except Exception`` swallows
    it, and every ``finally`` on the way out runs (the cache removes its temporary
    folder, :func:`acousticlib.cache.write_atomic` its temporary file), so a stopped
    run leaves only complete files: its last checkpoint and the finished entries.
    """


#: Seconds after which a SIGTERM that arrived inside a finalizer is delivered again.
_REDELIVER_S = 0.05


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Inside: SIGTERM raises :class:`Terminated` (once; a second SIGTERM kills at
    once, as by default); one that lands inside an object's ``__del__``, where Python
    would swallow the exception, is sent again a moment later. Outside the main
    thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if frame is not None and frame.f_code.co_name == "__del__":
            # Python prints and ignores an exception raised in a finalizer (tqdm's,
            # say, collected in the middle of training): deliver the signal again a
            # moment later, outside it, or the run would go on as if never stopped
            threading.Timer(_REDELIVER_S, os.kill, (os.getpid(), signum)).start()
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _messages() -> Iterator[None]:
    """Inside: the library's log messages at INFO level (a resumed training run says
    from which epoch) go to standard error."""
    log = logging.getLogger("acousticlib")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("acousticlib: %(message)s"))
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


# ------------------------------------------------------------------------------ parser
def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must be a non-negative integer; got {text!r}"
        )
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def _shard(text: str) -> tuple[int, int]:
    from .datasets.shards import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fill(text: str) -> str:
    return textwrap.fill(text, 79)


def _model_list() -> str:
    width = max(map(len, MODELS)) + 4
    return "\n".join(
        textwrap.fill(
            f"{name:<{width - 4}}  chapter {m.chapter}: {m.what}",
            79,
            initial_indent="  ",
            subsequent_indent=" " * width,
        )
        for name, m in MODELS.items()
    )


_PROFILES_HELP = (
    "profiles: smoke (seconds), book (the default, a laptop CPU), full (the papers' "
    "sizes)"
)


def _common(
    sub: argparse.ArgumentParser, *, device: bool = True, seed: str = "the dataset"
) -> None:
    sub.add_argument(
        "--profile",
        choices=PROFILES,
        default="book",
        help="run size: %(choices)s (default %(default)s)",
    )
    sub.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help=f"seed of {seed} (default %(default)s)",
    )
    if device:
        sub.add_argument(
            "--device",
            default="cpu",
            help="torch device: cpu (default), cuda, cuda:N, mps or auto",
        )
    sub.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show progress bars on standard error (default: shown)",
    )


def _model_command(
    subs: Any, name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    sub = subs.add_parser(
        name,
        help=summary,
        description=_fill(description),
        epilog=f"models:\n{_model_list()}\n\n{_fill(_PROFILES_HELP)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_argument(
        "model", metavar="MODEL", choices=list(MODELS), help="one of the models below"
    )
    _common(sub, seed="the dataset and the training")
    sub.set_defaults(parser=sub)
    sub.add_argument(
        "--epochs",
        type=_positive,
        default=None,
        help="the generators only (uvae, auvae, mcgan): epochs instead of the "
        "profile's, a model of its own in the cache",
    )
    sub.add_argument(
        "--precision",
        choices=("fp32", "bf16"),
        default="fp32",
        help="fp32 (default), or bf16: forward passes under bfloat16 autocast, on "
        "CUDA only (a model of its own in the cache)",
    )
    return sub


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m acousticlib`` and its three subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m acousticlib",
        description=_fill(
            "Build the book's dataset, train its models and score them, as the "
            "chapters do: the results land in the same cache entries "
            "($ACOUSTICLIB_CACHE, else ~/.cache/acousticlib) that the chapters load. "
            "Each command prints one JSON object."
        ),
        epilog=f"models (train, evaluate):\n{_model_list()}\n\n"
        f"{_fill(_PROFILES_HELP)}\n\n"
        "python -m acousticlib COMMAND --help describes a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _model_command(
        subs,
        "train",
        "train a model of the book (or find it in the cache)",
        "Train MODEL as its chapter does, or find it in the cache, and print its "
        "cache key and folder. A run stopped by SIGTERM, Ctrl-C or a kill resumes "
        "from its last epoch's checkpoint when the same command runs again. Under "
        "torchrun --standalone --nproc_per_node N it trains on N processes "
        "(DistributedDataParallel; the profile's batch is the global batch) into "
        "the same cache entry.",
    )
    build = subs.add_parser(
        "build-dataset",
        help="build the simulated camera dataset of chapter 06",
        description=_fill(
            "Build the simulated camera dataset of chapter 06 (or find it in the "
            "cache) and print its cache key and content hash (dataset_sha256)."
        ),
        epilog=_fill(_PROFILES_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(build, device=False)
    build.set_defaults(parser=build)
    build.add_argument(
        "--workers",
        type=_positive,
        default=2,
        help="processes simulating recordings (default %(default)s)",
    )
    build.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="I/N",
        help="build only shard I of N (I from 0; round-robin over the recordings), "
        "e.g. one task of a SLURM array; merge-shards assembles the dataset",
    )
    build.add_argument(
        "--out",
        default=None,
        help="with --shard: the shard's folder (default: under the cache folder)",
    )
    merge = subs.add_parser(
        "merge-shards",
        help="assemble the dataset from its shards",
        description=_fill(
            "Check the shards of build-dataset --shard (coverage, dataset key and "
            "every file's SHA-256) and write the dataset a build in one piece writes "
            "(same dataset_sha256); a missing or corrupt shard is named. The shards' "
            "hosts are recorded beside the entry."
        ),
        epilog=_fill(_PROFILES_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(merge, device=False)
    merge.set_defaults(parser=merge)
    merge.add_argument(
        "folders",
        nargs="*",
        help="shard folders (default: the N shards under the cache folder, with "
        "--count N)",
    )
    merge.add_argument(
        "--count",
        type=_positive,
        default=None,
        help="number of shards, to find them under the cache folder",
    )
    _model_command(
        subs,
        "evaluate",
        "score a model on the test split",
        "Score MODEL on the test split as chapters 07 and 11 do (training it first "
        "when the cache lacks it) and print the scores.",
    )
    return parser


# ----------------------------------------------------------------------------- commands
def _trained(args: argparse.Namespace) -> Any:
    """The model of the command line's arguments, from the cache or trained now."""
    return train_model(
        args.model,
        args.profile,
        args.seed,
        device=args.device,
        progress=args.progress,
        epochs=args.epochs,
        precision=args.precision,
    )


def _train(args: argparse.Namespace) -> dict[str, Any]:
    trained = _trained(args)
    return {
        "model": args.model,
        "profile": args.profile,
        "seed": args.seed,
        "key": trained.path.name,
        "path": str(trained.path),
        "origin": trained.origin,
        "epochs": len(trained.history),
    }


def _evaluate(args: argparse.Namespace) -> dict[str, Any]:
    trained = _trained(args)
    return {
        "model": args.model,
        "profile": args.profile,
        "seed": args.seed,
        "key": trained.path.name,
        "scores": score_model(
            args.model, trained.model, args.profile, args.seed, device=args.device
        ),
    }


def _build_dataset(args: argparse.Namespace) -> dict[str, Any]:
    from . import datasets

    if args.shard is not None:
        index, count = args.shard
        folder = datasets.build_shard(
            args.profile,
            index,
            count,
            seed=args.seed,
            out=args.out,
            workers=args.workers,
            progress=args.progress,
        )
        return {
            "profile": args.profile,
            "seed": args.seed,
            "shard": f"{index}/{count}",
            "path": str(folder),
        }
    if args.out is not None:
        args.parser.error("argument --out: applies only with --shard I/N")
    ds = datasets.camera_dataset(
        datasets.dataset_config(args.profile, seed=args.seed),
        workers=args.workers,
        progress=args.progress,
    )
    return {
        "profile": args.profile,
        "seed": args.seed,
        "key": ds.folder.name,
        "path": str(ds.folder),
        "dataset_sha256": ds.sha256,
        "frames": len(ds),
        "recordings": int(ds.meta["recordings"]),
    }


def _merge_shards(args: argparse.Namespace) -> dict[str, Any]:
    from . import datasets

    folders = list(args.folders)
    if not folders:
        if args.count is None:
            args.parser.error("give the shard folders, or --count N to find them")
        folders = [
            datasets.shard_folder(args.profile, i, args.count, seed=args.seed)
            for i in range(args.count)
        ]
    elif args.count is not None and args.count != len(folders):
        args.parser.error(
            f"argument --count: {args.count} shards, but {len(folders)} folders given"
        )
    try:
        ds = datasets.merge_shards(folders)
    except (FileNotFoundError, ValueError) as exc:
        print(f"acousticlib merge-shards: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    return {
        "profile": args.profile,
        "seed": args.seed,
        "key": ds.folder.name,
        "path": str(ds.folder),
        "dataset_sha256": ds.sha256,
        "shards": ds.shards,
    }


_COMMANDS = {
    "train": _train,
    "evaluate": _evaluate,
    "build-dataset": _build_dataset,
    "merge-shards": _merge_shards,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m acousticlib`` with ``argv`` (default ``sys.argv[1:]``); return
    the exit status.

    0 on success (the command's JSON printed on standard output), 2 for bad arguments
    (argparse's message names what was expected), :data:`EXIT_SIGTERM` or
    :data:`EXIT_INTERRUPT` when stopped by SIGTERM or Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "epochs", None) is not None and args.model not in _GENERATORS:
        args.parser.error(
            f"argument --epochs: applies to the generators "
            f"({', '.join(_GENERATORS)}); got it for {args.model!r}"
        )
    if hasattr(args, "device"):
        try:
            args.device = resolve_device(args.device)
        except (TypeError, ValueError) as exc:
            args.parser.error(f"argument --device: {exc}")
    if getattr(args, "precision", "fp32") == "bf16" and not args.device.startswith(
        "cuda"
    ):
        args.parser.error(
            f"argument --precision: bf16 autocast runs on CUDA only; got device "
            f"{args.device}"
        )
    rank = 0
    if args.command in ("train", "evaluate"):
        from .training import distributed

        try:
            launch = distributed.launch_from_env()
            if launch is not None:
                distributed.backend_for(args.device)
        except ValueError as exc:
            args.parser.error(f"torchrun: {exc}")
        rank = 0 if launch is None else launch.rank
        group = distributed.process_group(args.device)
    else:
        group = contextlib.nullcontext(getattr(args, "device", "cpu"))
    from .runtime import configure

    configure(args.profile, args.seed, getattr(args, "device", "cpu"))
    try:
        with _sigterm_raises(), _messages(), group as device:
            if hasattr(args, "device"):
                args.device = device
            result = _COMMANDS[args.command](args)
    except (Terminated, KeyboardInterrupt) as exc:
        what = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
        print(
            f"acousticlib: {args.command} stopped by {what}; nothing half-written is "
            "left in the cache, and the same command run again resumes a training "
            "run from its last epoch's checkpoint",
            file=sys.stderr,
        )
        return EXIT_SIGTERM if isinstance(exc, Terminated) else EXIT_INTERRUPT
    if rank == 0:  # under torchrun, one JSON object
        print(json.dumps(result, indent=1))
    return 0
