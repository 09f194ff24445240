"""Prometheus text exposition format 0.0.4, written by hand (DESIGN.md section 3: no client library).

A scrape is a list of :class:`Family` (one ``# HELP`` and one ``# TYPE`` line, then its samples).
Rules of the format this module keeps:

- metric and label names match ``[a-zA-Z_:][a-zA-Z0-9_:]*`` / ``[a-zA-Z_][a-zA-Z0-9_]*`` (checked: a
  bad name is a bug here, not something to escape);
- label values escape backslash, double quote and line feed; HELP text escapes backslash and line feed;
- values are Go-style floats: integers without a fraction, ``+Inf``, ``-Inf``, ``NaN``;
- a histogram is cumulative ``_bucket{le=...}`` samples ending with ``le="+Inf"`` (equal to ``_count``),
  then ``_sum`` and ``_count``.

Only stdlib: the services and the API both use it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TYPES = ("counter", "gauge", "histogram", "untyped")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Sample:
    suffix: str  # "" or "_bucket", "_sum", "_count" for histograms
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass
class Family:
    """One metric family: its name, help, type and samples (labels as a mapping, in the order given)."""

    name: str
    help: str
    type: str
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not _METRIC_NAME.match(self.name):
            raise ValueError(f"not a Prometheus metric name: {self.name!r}")
        if self.type not in TYPES:
            raise ValueError(f"not a Prometheus metric type: {self.type!r}")

    def add(self, value: float, labels: Mapping[str, str] | None = None, *, suffix: str = "") -> Family:
        pairs = tuple((labels or {}).items())
        for name, _ in pairs:
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"not a Prometheus label name: {name!r}")
        self.samples.append(Sample(suffix, pairs, value))
        return self

    def add_histogram(self, bounds: Sequence[float], cumulative: Sequence[int], total: float, count: int,
                      labels: Mapping[str, str] | None = None) -> Family:
        """``cumulative[i]``: observations <= ``bounds[i]``; ``count`` is the ``+Inf`` bucket."""
        if self.type != "histogram" or len(bounds) != len(cumulative):
            raise ValueError("a histogram needs one cumulative count per bound")
        base = dict(labels or {})
        for bound, n in zip(bounds, cumulative, strict=True):
            self.add(n, {**base, "le": format_value(bound)}, suffix="_bucket")
        self.add(count, {**base, "le": "+Inf"}, suffix="_bucket")
        self.add(total, base, suffix="_sum")
        return self.add(count, base, suffix="_count")


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def render(families: Iterable[Family]) -> str:
    """The exposition text of ``families``, ending with a line feed."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for sample in family.samples:
            labels = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in sample.labels)
            lines.append(f"{family.name}{sample.suffix}{'{' + labels + '}' if labels else ''} "
                         f"{format_value(sample.value)}")
    return "\n".join(lines) + "\n"
