"""The base of etfsim's result objects: frozen, read-only, and able to explain themselves.

A spec and its result are different objects (STYLE.md, principle 1): running a
model returns a result that nobody changes afterwards.  :class:`Result` gives
every result the same manners:

- it is a frozen dataclass (a subclass only declares its fields; the base
  applies ``dataclass(frozen=True, eq=False, repr=False)`` to it, so results
  compare by identity and never element by element over arrays);
- every array field, and every array inside a mapping field, is stored
  read-only (a writeable input is copied first, so the caller's array is left
  alone and cannot change the result later);
- ``repr`` is one short line of facts (shapes and sizes, never the numbers);
- ``summary()`` is text, and ``str()`` is the summary;
- ``to_frame()`` gives a DataFrame for pandas users, and notebooks show a
  frame as an HTML table (``_repr_html_``).

A subclass writes ``summary()`` and ``to_frame()`` in its own domain's words;
it may name the facts its ``repr`` shows (``_repr_facts``) and the frame a
notebook shows (``_repr_frame``, for a result whose full table is large).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, dataclass_transform

import numpy as np
import pandas as pd

__all__ = ["Result", "describe", "frozen_array", "html_table"]

REPR_FACTS = 8
"""Most facts one ``repr`` line shows; the rest are counted."""
HTML_ROWS = 20
"""Most rows a notebook's HTML table shows (pandas shows the first and last halves)."""


def html_table(title: str, frame: pd.DataFrame) -> str:
    """What a notebook shows for a result: its ``repr`` line over a table of at most :data:`HTML_ROWS` rows."""
    table = frame.to_html(max_rows=HTML_ROWS, max_cols=HTML_ROWS, border=0)
    return f"<div><p><code>{html.escape(title)}</code></p>{table}</div>"


def frozen_array(a: np.ndarray) -> np.ndarray:
    """``a`` read-only: a writeable array is copied first; one already read-only is kept as it is.

    Producers that hand over arrays they made and marked read-only avoid the copy.
    """
    if a.flags.writeable:
        a = a.copy()
        a.setflags(write=False)
    return a


def _freeze(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return frozen_array(value)
    if isinstance(value, Mapping) and any(isinstance(v, np.ndarray) for v in value.values()):
        return MappingProxyType({k: frozen_array(v) if isinstance(v, np.ndarray) else v for k, v in value.items()})
    return value


def describe(value: object) -> str:
    """A few characters that say what a value is without printing an array or a table."""
    if isinstance(value, np.ndarray):
        return str(value.shape) if value.ndim else repr(value.item())
    if isinstance(value, pd.DataFrame):
        return f"{len(value)}x{value.shape[1]} frame"
    if isinstance(value, pd.Series):
        return f"{len(value)} values"
    if isinstance(value, (bool, int, float, np.integer, np.floating)) or value is None:
        return f"{value:.6g}" if isinstance(value, (float, np.floating)) else repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, Mapping):
        return f"{{{len(value)} keys}}"
    if isinstance(value, (tuple, list)):
        return f"[{len(value)}]"
    if type(value).__module__.startswith("etfsim") and type(value).__repr__ is not object.__repr__:
        short = repr(value)  # a curve's or a result's own one-line repr; a config's long one is not shown
        if short.startswith("<") and len(short) <= 72:
            return short
    return type(value).__name__


@dataclass_transform(eq_default=False, frozen_default=True)
class Result:
    """Base of etfsim's results; see the module docstring for what a subclass gets.

    A subclass declares its fields as a dataclass would, without the decorator::

        class CalibrationResult(Result):
            model: SchwartzSmith
            fitted: Float64Array

            def summary(self) -> str: ...
            def to_frame(self) -> pd.DataFrame: ...

    Its own ``__post_init__`` (validation) runs before the arrays are made
    read-only and may replace fields with ``object.__setattr__``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__post_init__")
        if own is not None:

            def __post_init__(self: Result, *init_vars: Any) -> None:
                own(self, *init_vars)
                Result._freeze_fields(self)

            __post_init__.__doc__ = own.__doc__
            cls.__post_init__ = __post_init__  # type: ignore[method-assign]
        dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)

    def __post_init__(self) -> None:
        Result._freeze_fields(self)

    def _freeze_fields(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            frozen = _freeze(value)
            if frozen is not value:
                object.__setattr__(self, f.name, frozen)

    # -- what a subclass says about itself -----------------------------------------------
    def _repr_facts(self) -> Mapping[str, object]:
        """Name -> value of the facts ``repr`` shows; by default every field, described briefly."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def summary(self) -> str:
        """A few lines of text; by default one line per fact of ``repr``."""
        facts = self._repr_facts()
        width = max((len(k) for k in facts), default=0)
        return "\n".join([type(self).__name__] + [f"  {k:<{width}}  {describe(v)}" for k, v in facts.items()])

    def to_frame(self) -> pd.DataFrame:
        """The result as a table; by default its facts (columns ``fact, value``)."""
        facts = self._repr_facts()
        return pd.DataFrame({"fact": list(facts), "value": [describe(v) for v in facts.values()]})

    def _repr_frame(self) -> pd.DataFrame:
        """The frame a notebook shows: ``to_frame()``, unless a subclass gives a smaller one."""
        return self.to_frame()

    # -- the manners every result shares --------------------------------------------------
    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        facts = list(self._repr_facts().items())
        shown = " ".join(f"{k}={describe(v)}" for k, v in facts[:REPR_FACTS])
        more = f" (+{len(facts) - REPR_FACTS} more)" if len(facts) > REPR_FACTS else ""
        return f"<{type(self).__name__}{' ' if shown else ''}{shown}{more}>"

    def _repr_html_(self) -> str:
        return html_table(repr(self), self._repr_frame())
