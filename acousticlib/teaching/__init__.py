"""The teaching layer on top of the library (imported by nothing in the pipeline):
:mod:`~acousticlib.teaching.reporting` (phrase makers of glued verdicts),
:mod:`~acousticlib.teaching.plotting` (the book's figures),
:mod:`~acousticlib.teaching.widgets` (interactive explorers) and
:mod:`~acousticlib.teaching.exercises` (one checker module per chapter, one registry).

Each is also importable under its old name (``from acousticlib import plotting``): the
modules ``acousticlib.plotting`` and so on are these very modules.
"""
