"""When is hearing needed to localize? Video-only against audio-visual U-VAEs as
distractors look alike.

The book's scenes hold up to two silent distractors. How alike they look to sound
sources is a dataset parameter, ``distractor_similarity`` (chapter 06): the ``book``
profile's 0.25 follows the paper's regime, where the sounding object is nearly
unambiguous by sight (the paper's video-only U-VAE localizes almost as well as the
audio-visual one: IoU@0.5 0.72 against 0.77, Table V). At 1.0 every distractor is a
look-alike of a sounding object, and only the sound can say which object is heard.

For each similarity (``--similarities``, default 0.25 1.0) this tool builds that variant
of the profile's dataset (:func:`experiments.dataset_variant`; the 0.25 one is the
chapters' own, read from the cache), pretrains its visual trunk, trains chapter 08's
U-VAE on audio and video and on video alone, and scores both on the test split as
chapter 11 does. It writes ``benchmarks/results/distractor_study.json`` atomically;
chapter 11 reads it::

    .venv/bin/python tools/distractor_study.py [--similarities 0.25 1.0]

About 9 minutes on 2 cores for the variant at 1.0 (its dataset, trunk and two U-VAEs),
seconds for the chapters' own once chapters 08 and 11 have run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "benchmarks"
    / "results"
    / "distractor_study.json"
)
CONDITIONS = ("audio+video", "video only")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="book", help="run profile (default book)")
    parser.add_argument(
        "--seed", type=int, default=0, help="dataset and training seed (default 0)"
    )
    parser.add_argument(
        "--similarities",
        type=float,
        nargs="+",
        default=[0.25, 1.0],
        help="values of distractor_similarity to compare (default 0.25 1.0)",
    )
    args = parser.parse_args(argv)

    from acousticlib import datasets, runtime
    from acousticlib import experiments as ex
    from acousticlib.cache import write_json_atomic

    runtime.configure(args.profile, args.seed, "cpu")
    book = datasets.dataset_config(args.profile, seed=args.seed).distractor_similarity
    rows = []
    for similarity in args.similarities:
        with ex.dataset_variant(distractor_similarity=similarity):
            ds = ex.camera_data(args.profile, args.seed)
            rec = ds.index["recording"]
            test = ds.frames_of("test", include_background=False)
            for condition in CONDITIONS:
                t0 = time.perf_counter()
                trained = ex.train_generator(
                    "uvae", args.profile, args.seed, condition=condition, progress=False
                )
                scores = ex.generator_test_scores(
                    trained.model, args.profile, args.seed, condition=condition
                )
                rows.append(
                    {
                        "distractor_similarity": similarity,
                        "condition": condition,
                        **scores,
                        "dataset": ds.folder.name,
                        "model": trained.path.name,
                        "test_recordings": int(len(set(rec[test].tolist()))),
                        "seconds": round(time.perf_counter() - t0, 1),
                    }
                )
                print(
                    f"similarity {similarity:.2f}, {condition:11s}: IoU@0.5 "
                    f"{scores['iou_success']:.3f}, "
                    f"peak in box {scores['peak_in_box']:.3f}",
                    flush=True,
                )
    write_json_atomic(
        OUT,
        {
            "profile": args.profile,
            "seed": args.seed,
            "book_similarity": book,
            "split": "test",
            "results": rows,
            "paper": {"audio+video": 0.77, "video only": 0.72},
            "command": " ".join(["python", "tools/distractor_study.py", *sys.argv[1:]]),
        },
    )
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
