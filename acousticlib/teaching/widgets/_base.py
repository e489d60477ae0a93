"""What every explorer of the book shares (chapters 01-05): :class:`Explorer`.

Its controls (ipywidgets) feed ``compute``, whose result a subclass draws into an Image
widget on each change; see :mod:`acousticlib.teaching.widgets`.
"""

from __future__ import annotations

from typing import Any


class Explorer:
    """What every explorer of the book shares: controls → ``compute`` → a figure in an
    Image widget.

    A subclass fills ``self.controls`` (name → ipywidget, **in the order of
    ``compute``'s parameters**), sets ``rows`` (the control names of each row of the
    display), implements ``compute(*values)`` (pure, unit-tested) and ``figure()``, and
    calls :meth:`_start`. Each change of a control recomputes ``self.result`` and
    redraws; :meth:`after_figure` may add more output under the figure (a sound player,
    say).
    """

    controls: dict
    rows: tuple[tuple[str, ...], ...] = ()

    def _start(self) -> None:
        import ipywidgets as w

        self.image = w.Image(format="png")  # the live figure (see update)
        self.output = w.Output()  # what after_figure adds (a sound player, say)
        self.result = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def compute(self, *values: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def figure(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def after_figure(self) -> None:
        """Extra output drawn under the figure on each update (nothing by default)."""

    def update(self) -> Any:
        """Recompute from the current control values and redraw; return the result."""
        import io

        import matplotlib.pyplot as plt

        self.result = self.compute(
            *(control.value for control in self.controls.values())
        )
        # The figure goes into an Image widget as PNG bytes, not into the Output widget:
        # an image displayed inside an Output widget stalls papermill/nbclient for the
        # whole cell timeout.
        self.figure()
        fig = plt.gcf()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
        plt.close(fig)
        self.image.value = buf.getvalue()
        self.output.clear_output(wait=True)
        with self.output:
            self.after_figure()
        return self.result

    def _on_change(self, change: dict) -> None:
        self.update()

    def widget(self) -> Any:
        """The controls (in ``rows``) above the live figure, ready to display."""
        import ipywidgets as w

        rows = self.rows or (tuple(self.controls),)
        return w.VBox(
            [w.HBox([self.controls[name] for name in row]) for row in rows]
            + [self.image, self.output]
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
