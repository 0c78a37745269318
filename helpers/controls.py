"""The control wiring behind every widget of the course: `explorer` and the controls it wires.

`explorer(draw, **controls)` calls a notebook's draw function with the controls' values and shows
the figure it opens as a picture: drawn once when the cell runs and again on every change, on
ipywidgets 7 (Colab) and 8 alike. The picture is an `ipywidgets.Image`, not an Output widget:
nbclient's emulation of Output widgets can deadlock mid-cell (nbclient issue 312). The controls
are `slider`, `menu` and `text_box`; notebooks reach all four as `widgets.explorer` and so on.
"""

from __future__ import annotations

import html
import io
import numbers

import numpy as np

_STYLE = {"description_width": "initial"}  # labels such as "interior >" are shown whole


def slider(value, low, high, step=None, *, label: str = "", log: bool = False, live: bool = True):
    """A slider from low to high starting at value: whole numbers when all are ints, a base-10 log scale when log.

    With log=True, step is in powers of ten (0.05 by default). With live=False the slider reports
    its value when you let go, for views that take a while to draw.
    """
    import ipywidgets

    if not low <= value <= high:
        raise ValueError(f"a slider starts at a value between low and high, got value={value}, low={low}, high={high}.")
    common = {"description": label, "continuous_update": live, "style": _STYLE}
    if log:
        if low <= 0:
            raise ValueError(f"a log-scale slider needs low > 0, got low={low}.")
        return ipywidgets.FloatLogSlider(
            value=value, base=10, min=float(np.log10(low)), max=float(np.log10(high)), step=step or 0.05, **common
        )
    if step is not None:
        common["step"] = step
    whole = all(isinstance(v, numbers.Integral) for v in (value, low, high, step or 1))
    return (ipywidgets.IntSlider if whole else ipywidgets.FloatSlider)(value=value, min=low, max=high, **common)


def menu(options, value=None, *, label: str = ""):
    """A drop-down menu of options, starting at value (the first option when value is None)."""
    import ipywidgets

    options = list(options)
    value = options[0] if value is None and options else value
    if value not in options:
        raise ValueError(f"a menu starts at one of its options {options}, got {value!r}.")
    return ipywidgets.Dropdown(options=options, value=value, description=label, style=_STYLE)


def text_box(value: str, *, label: str = ""):
    """A one-line text box starting with value, reported as you type."""
    import ipywidgets

    return ipywidgets.Text(value=str(value), description=label, style=_STYLE)


def explorer(draw, **controls):
    """Controls wired to draw(**values), whose figure is shown as a picture: drawn now and on every change.

    draw opens at most one Matplotlib figure (plt.subplots, no plt.show) and returns its view's
    dict, whose "text" is shown above the picture. Each control's label defaults to its argument
    name. A ValueError after a change (a half-typed number) is shown instead of the text; at the
    start it is raised, since then the notebook's own values are wrong.
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    if not callable(draw):
        raise ValueError(f"explorer draws with a function of the controls' values, got {draw!r}.")
    if not controls:
        raise ValueError("explorer needs at least one control, e.g. n=widgets.slider(3, 0, 10).")
    for name, control in controls.items():
        if not isinstance(control, ipywidgets.ValueWidget):
            raise ValueError(f"control {name!r} must be a widgets.slider, menu or text_box, got {control!r}.")
        control.description = control.description or name
    caption, picture = ipywidgets.HTML(), ipywidgets.Image(format="png")

    def redraw(change=None):
        before = set(plt.get_fignums())
        try:
            result = draw(**{name: control.value for name, control in controls.items()})
            opened = sorted(set(plt.get_fignums()) - before)
            if len(opened) > 1:
                raise ValueError(f"draw opened {len(opened)} figures; an explorer shows one, so draw on one (plt.subplots).")
            if opened:
                picture.value = _png(plt.figure(opened[0]))
            caption.value = html.escape(str((result or {}).get("text", "")))
        except ValueError as error:
            if change is None:
                raise
            caption.value = html.escape(str(error))
        finally:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)  # shown in the picture, so not again below the cell

    redraw()
    for control in controls.values():
        control.observe(redraw, names="value")
    box = ipywidgets.VBox([*controls.values(), caption, *([picture] if picture.value else [])])
    box.add_class("lab-explorer")
    return box


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
