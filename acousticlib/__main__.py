"""``python -m acousticlib``: the command line (train, build-dataset, evaluate); see
:mod:`acousticlib.cli`."""

from .cli import main

# spawned dataset workers import this module as __mp_main__: only the command runs main
if __name__ == "__main__":
    raise SystemExit(main())
