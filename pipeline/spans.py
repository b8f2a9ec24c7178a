"""Stretches of time as (start, end) seconds: their union, total length and intersection. Used where speech,
words, turns and windows are measured against each other (merge, clustering, coverage)."""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[float, float]


def union(spans: Iterable[Span]) -> list[Span]:
    """The spans sorted and joined where they overlap or touch; empty ones left out."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def length(spans: Iterable[Span]) -> float:
    """The seconds the spans last, added up (pass a union to count overlaps once)."""
    return sum(end - start for start, end in spans)


def intersection(a: list[Span], b: list[Span]) -> list[Span]:
    """The overlap of two unions (sorted lists of disjoint spans)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
