"""Reproducible samples (bureau spot checks of follow-ups, inspectors' complaint audits)."""

from __future__ import annotations

import math
import random
from fractions import Fraction


def sample_size(population: int, rate: float | None = None, size: int | None = None) -> int:
	"""An explicit ``size`` wins; otherwise ``rate`` percent of the population rounded up (exact
	arithmetic), at least one; never more than the population."""
	if population <= 0:
		return 0
	if size:
		return min(int(size), population)
	return min(population, max(1, math.ceil(Fraction(str(rate or 0)) * population / 100)))


def draw(population: list, seed: int | str, size: int) -> list:
	"""The sample, in draw order: the same seed and the same population in the same order (callers
	pass it in name order) always give the same sample."""
	return random.Random(seed).sample(list(population), size)


def fill(doc, table: str, rows: list, columns: dict[str, str]) -> None:
	"""Replace ``doc``'s child ``table`` with one row per sampled record, in draw order;
	``columns`` maps each child field to the record's field it copies."""
	doc.set(table, [])
	for record in rows:
		doc.append(table, {field: record.get(source) for field, source in columns.items()})
