"""Explorers: a figure (or a few lines of text) redrawn as the student moves controls.

``explorer(draw, **controls)`` shows the ipywidgets ``controls`` above an output and
calls ``draw(**values)`` with the controls' values, once at the start and then at
every change. ``draw`` makes a matplotlib figure (returns it, or just leaves it open)
and/or prints text; it does not call ``plt.show()``. Compared with
``ipywidgets.interact``, every explorer:

* redraws only when a slider is released (``continuous_update=False``): a costly
  figure is not redrawn at every value a drag passes through;
* redraws in place: the new figure replaces the old one in one update of the output
  (no blank output while the new one is drawn);
* keeps the last ``cache_size`` drawings (an LRU keyed by the control values), so
  going back to a setting shows it at once;
* shows every control's whole label (``description_width="initial"``), laid out in
  rows that wrap;
* passes slider values rounded to what the readout shows (a log slider's
  0.31622776... is passed as 0.316), so titles and legends print readable numbers;
* checks each figure with :func:`course_lib.plots.figure_problems` (legends inside
  their axes and off the data, no cut or tiny text, no long numbers), and moves a
  legend that covers data (:func:`course_lib.plots.fix_legends`). Draw with
  ``layout="constrained"`` so that titles and labels are not cut;
* records each redraw: its kernel-side time (from the control's change to the new
  output, drawing and PNG encoding included) as wall-clock seconds and as the
  kernel's CPU seconds (which other programs on the machine do not inflate),
  whether it came from the cache, and the figure's remaining problems. The record
  is :attr:`Explorer.records` in the kernel, and a hidden
  ``<div class="course-explorer-info">`` in the output with ``data-explorer``,
  ``data-draw`` (a counter), ``data-seconds``, ``data-cpu-seconds``,
  ``data-cached`` and ``data-problems`` attributes (and all of them as JSON in its
  ``title``), which the browser test reads (tests/test_browser.py).

With the environment variable ``COURSE_EXPLORER_PROBE=1`` (set by
tests/test_explorers.py for the notebook runs of the test session), each explorer
moves every control one step and back right after its first drawing, and puts all
the records, and each control's ``continuous_update``, in the cell's output as
``metadata["course-explorer"]`` of a hidden display.

Only ipywidgets, IPython and matplotlib are imported, when an explorer is made.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["Explorer", "explorer", "moved_value"]

INFO_CLASS = "course-explorer-info"
PROBE_ENV = "COURSE_EXPLORER_PROBE"
METADATA_KEY = "course-explorer"


def _hashable(value: Any) -> Hashable:
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _shown_value(widget: Any) -> Any:
    """A control's value as its readout shows it: float noise and log-slider digits
    rounded away (0.30000000000000004 -> 0.3, 10 ** -0.5 -> 0.316)."""
    import ipywidgets as widgets

    value = widget.value
    if isinstance(widget, widgets.FloatLogSlider):
        return float(f"{value:.3g}")
    if isinstance(widget, (widgets.FloatSlider, widgets.FloatRangeSlider)) and \
            isinstance(value, float):
        return float(f"{value:.10g}")
    return value


def moved_value(widget: Any) -> Any:
    """The value one step away from a control's current one (the next option, one
    slider step up, or down at the maximum): what a student's arrow key does."""
    import ipywidgets as widgets

    value = widget.value
    if isinstance(widget, widgets.SelectMultiple):
        options = list(widget._options_values)
        if len(value) > 1:
            return tuple(value[:-1])
        rest = [o for o in options if o not in value]
        return (*tuple(value), rest[0]) if rest else tuple(value)
    if hasattr(widget, "_options_values"):  # Dropdown, ToggleButtons, SelectionSlider
        options = list(widget._options_values)
        i = options.index(value)
        return options[i + 1] if i + 1 < len(options) else options[i - 1]
    if isinstance(widget, widgets.FloatLogSlider):
        exponent = widget.min if value <= 0 else math.log(value, widget.base)
        up = exponent + widget.step
        exponent = up if up <= widget.max + 1e-12 else exponent - widget.step
        return widget.base ** exponent
    if isinstance(widget, (widgets.IntSlider, widgets.FloatSlider, widgets.BoundedIntText,
                           widgets.BoundedFloatText)):
        up = value + widget.step
        return up if up <= widget.max + 1e-12 else value - widget.step
    if isinstance(widget, (widgets.Checkbox, widgets.ToggleButton)):
        return not value
    raise ValueError(f"moved_value: do not know how to move a {type(widget).__name__}")


class Explorer:
    """Controls, an output, and the drawings cached by control values (see the module).

    Attributes: ``controls`` (name -> widget), ``output`` (the ``ipywidgets.Output``),
    ``widget`` (the whole box, what is displayed), ``records`` (one dict per drawing
    shown: ``values``, ``seconds``, ``cached``, ``problems``, ``moved``, ``draw``).
    """

    def __init__(self, draw: Callable[..., Any], controls: dict[str, Any], *,
                 name: str | None = None, cache_size: int = 32) -> None:
        import ipywidgets as widgets

        if not callable(draw):
            raise TypeError("explorer(draw, ...): draw must be a function of the controls' values")
        if cache_size < 1:
            raise ValueError("cache_size must be at least 1")
        self.draw = draw
        self.name = name or getattr(draw, "__name__", "explorer")
        self.cache_size = cache_size
        self.cache: OrderedDict[Hashable, tuple[tuple[dict, ...], list[str], list[str]]] = \
            OrderedDict()
        self.records: list[dict] = []
        self.controls: dict[str, Any] = {}
        self.fixed: dict[str, Any] = {}
        for key, control in controls.items():
            if isinstance(control, widgets.fixed):
                self.fixed[key] = control.value
            elif isinstance(control, widgets.ValueWidget):
                self.controls[key] = control
            else:
                raise TypeError(f"explorer control {key!r} must be an ipywidgets control "
                                f"(a slider, a dropdown, ...) or widgets.fixed(value), "
                                f"not {type(control).__name__}")
        for key, control in self.controls.items():
            if "continuous_update" in control.trait_names():
                control.continuous_update = False
            if not getattr(control, "description", None):
                control.description = key
            style = getattr(control, "style", None)
            if style is not None and "description_width" in style.trait_names():
                style.description_width = "initial"
            if isinstance(control, (widgets.IntSlider, widgets.FloatSlider,
                                    widgets.FloatLogSlider, widgets.SelectionSlider)) \
                    and not control.layout.width:
                control.layout.width = "380px"
        self.output = widgets.Output(layout=widgets.Layout(min_height="60px"))
        row = widgets.Box(list(self.controls.values()), layout=widgets.Layout(
            display="flex", flex_flow="row wrap", align_items="center", grid_gap="4px 24px"))
        self.widget = widgets.VBox([row, self.output])
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    def __repr__(self) -> str:
        return f"<explorer {self.name!r}: {', '.join(self.controls)}>"

    # -- drawing -----------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {**self.fixed, **{k: _shown_value(w) for k, w in self.controls.items()}}

    def _changed(self, change: dict) -> None:
        self.update(moved=getattr(change.get("owner"), "description", None))

    def update(self, moved: str | None = None) -> dict:
        """Show the drawing of the current values (from the cache, or drawn now)."""
        t0, c0 = time.perf_counter(), time.process_time()
        values = self.values()
        key = _hashable(tuple(sorted(values.items())))
        cached = key in self.cache
        if cached:
            self.cache.move_to_end(key)
            outputs, problems, fixes = self.cache[key]
        else:
            outputs, problems, fixes = self._render(values)
            self.cache[key] = (outputs, problems, fixes)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        record = {"explorer": self.name, "draw": len(self.records) + 1,
                  "values": {k: _jsonable(v) for k, v in values.items()}, "moved": moved,
                  "cached": cached, "problems": list(problems), "fixed_legends": list(fixes),
                  "seconds": round(time.perf_counter() - t0, 4),
                  "cpu_seconds": round(time.process_time() - c0, 4)}
        # one state update replaces the whole output: no blank output in between
        self.output.outputs = (*outputs, self._info(record))
        self.records.append(record)
        return record

    def _render(self, values: dict[str, Any]) -> tuple[tuple[dict, ...], list[str], list[str]]:
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        from course_lib import plots

        before = set(plt.get_fignums())
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            result = self.draw(**values)
        figures = [result] if isinstance(result, Figure) else []
        figures += [plt.figure(n) for n in plt.get_fignums()
                    if n not in before and plt.figure(n) not in figures]
        outputs: list[dict] = []
        if text.getvalue():
            outputs.append({"output_type": "stream", "name": "stdout", "text": text.getvalue()})
        problems: list[str] = []
        fixes: list[str] = []
        for fig in figures:
            fig.canvas.draw()
            found = plots.figure_problems(fig, draw=False)
            for _ in range(2):  # moving one legend re-lays out the figure: check again
                if not any(p.startswith(("legend", "figure legend")) for p in found):
                    break
                moved = plots.fix_legends(fig)
                if not moved:
                    break
                fixes += moved
                fig.canvas.draw()
                found = plots.figure_problems(fig, draw=False)
            problems += found
            png = _png(fig)
            width, height = fig.canvas.get_width_height()
            outputs.append({
                "output_type": "display_data",
                "data": {"image/png": base64.b64encode(png).decode("ascii"),
                         "text/plain": f"<Figure size {width}x{height}>"},
                "metadata": {"image/png": {"alt": plots.alt_text(fig)}},
            })
            plt.close(fig)
        return tuple(outputs), problems, fixes

    def _info(self, record: dict) -> dict:
        attrs = {"explorer": record["explorer"], "draw": record["draw"],
                 "seconds": f"{record['seconds']:.4f}",
                 "cpu-seconds": f"{record['cpu_seconds']:.4f}",
                 "cached": "true" if record["cached"] else "false",
                 "problems": " | ".join(record["problems"]),
                 "values": json.dumps(record["values"], ensure_ascii=False)}
        # the same again as JSON in ``title`` (kept by JupyterLab's HTML sanitizer, which
        # drops data-* attributes from untrusted outputs)
        attrs["title"] = json.dumps({k: record[k] for k in (
            "explorer", "draw", "seconds", "cpu_seconds", "cached", "problems")},
            ensure_ascii=False)
        div = "".join(f' {"" if k == "title" else "data-"}{k}="{html.escape(str(v), quote=True)}"'
                      for k, v in attrs.items())
        return {"output_type": "display_data",
                "data": {"text/html": f'<div class="{INFO_CLASS}" hidden{div}></div>',
                         "text/plain": ""},
                "metadata": {METADATA_KEY: record}}

    # -- the tests' probe ----------------------------------------------------------------

    def probe(self) -> list[dict]:
        """Move every control one step (:func:`moved_value`) and back, drawing each
        time; returns the records of those drawings."""
        start = len(self.records)
        for _key, control in self.controls.items():
            old = control.value
            try:
                new = moved_value(control)
            except ValueError:
                continue
            if new == old:
                continue
            control.value = new
            control.value = old
        return self.records[start:]

    def summary(self) -> dict:
        return {"explorer": self.name, "records": self.records, "controls": {
            k: {"type": type(w).__name__,
                "continuous_update": getattr(w, "continuous_update", None),
                "description": getattr(w, "description", ""),
                "description_width": getattr(getattr(w, "style", None), "description_width",
                                             None)}
            for k, w in self.controls.items()}}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _png(fig: Any) -> bytes:
    """The figure as PNG at its own dpi, from the Agg canvas it was just drawn on."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    canvas = fig.canvas
    if isinstance(canvas, FigureCanvasAgg):
        from PIL import Image

        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                         "RGBA", 0, 1).save(buf, format="png", compress_level=1)
    else:
        fig.savefig(buf, format="png", dpi=fig.dpi)
    return buf.getvalue()


def explorer(draw: Callable[..., Any], *, name: str | None = None, cache_size: int = 32,
             **controls: Any) -> Explorer:
    """Show ``controls`` (ipywidgets, by ``draw``'s argument names) above ``draw``'s
    figure, redrawn when they change (see the module); returns the :class:`Explorer`.

    End the cell with ``;``
    (the explorer is displayed already). Example::

        def show(beta=0.9):
            fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
            ax.plot(days, smooth(theta, beta), label=f"β = {beta:g}")
            ax.legend()

        explorer(show, beta=widgets.FloatSlider(value=0.9, min=0.5, max=0.99, step=0.01));
    """
    from IPython.display import HTML, display

    ex = Explorer(draw, controls, name=name, cache_size=cache_size)
    display(ex.widget)
    ex.update()
    if os.environ.get(PROBE_ENV) == "1":
        ex.probe()
        summary = ex.summary()
        display(HTML(f'<div class="{INFO_CLASS}-probe" hidden></div>'),
                metadata={METADATA_KEY: summary})
    return ex
