"""Tell plausible successions of communes from artefacts of the source data, by distance.

The ``vietnamadminunits`` package maps some old communes to a namesake in another old
province as well as to their real successor (Sóc Trăng's Xã Long Phú also to Phường Long
Phú 1, 54 km away, which absorbed Hậu Giang's Xã Long Phú). Scope follows successions, so
such an artefact would count a commune's cooperatives inside a commune far away.

The rule, measured on the package's 10,597 commune successions (docs/registry.md,
"Successions that are not what the data says"):

- an old commune with a single successor keeps it whatever the distance: the only successor
  cannot be a duplicate, and the far ones measured are wrong coordinates, not wrong
  mappings (the Trường Sa communes sit 647 km from their special zone's centroid);
- an old commune with several successors keeps the nearest one, and any other that lies at
  most ``MAX_EXTRA_KM`` farther from the old commune than that nearest one. Comparing with
  the nearest successor rather than judging the distance alone cancels an error shared by
  all of them: the old centroids are geocoded and sometimes off by ten or twenty kilometres;
- a successor whose own centroid lies more than ``MAX_EXTRA_KM`` from every one of its
  predecessors cannot be judged (its centroid is wrong, as Xã Thanh Bình's of Đồng Tháp
  is, ~96 km from all its predecessors), and is kept; so are the successors of an old
  commune whose centroid an old commune of another district shares (the geocoder put
  namesakes on one spot, so at most one of them is right).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

# The excess distances of the package's successions leave no value between 18.0 and 24.4 km;
# 20 km sits in that gap, above every real split of a large mountain commune measured
# (15.4 km at most) and below the namesake artefacts (24.4 km and more).
MAX_EXTRA_KM = 20.0
_EARTH_RADIUS_KM = 6371.0088

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Point:
    """A unit's centroid, in degrees."""

    lat: float
    lon: float


def distance_km(a: Point, b: Point) -> float:
    """Return the great-circle distance between two points, in kilometres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


class Verdict(StrEnum):
    """What the rule says of one succession."""

    SOLE = "sole"
    """The old commune's only successor: kept whatever the distance."""
    NEAR = "near"
    """One of several successors, near enough: kept."""
    FAR = "far"
    """One of several successors, implausibly far: rejected."""
    UNJUDGED = "unjudged"
    """Missing coordinates, or a successor's centroid far from all its predecessors: kept."""

    @property
    def kept(self) -> bool:
        """Tell whether the rule keeps a succession with this verdict."""
        return self is not Verdict.FAR


@dataclass(frozen=True)
class Judgement:
    """The rule's verdict on one succession, with the distances it was based on."""

    verdict: Verdict
    distance_km: float | None = None
    """From the old commune's centroid to the new one's."""
    nearest_km: float | None = None
    """From the old commune's centroid to its nearest successor's."""


@dataclass(frozen=True)
class _Measured(Generic[Key]):
    old: Key
    new: Key
    km: float | None


def judge_successions(
    pairs: Iterable[tuple[Key, Key]],
    points: Mapping[Key, Point],
    *,
    districts: Mapping[Key, Hashable] | None = None,
    max_extra_km: float = MAX_EXTRA_KM,
) -> dict[tuple[Key, Key], Judgement]:
    """Judge each (old, new) succession of communes by the distance rule of this module.

    ``points`` holds the centroids known; a unit without one leaves its successions unjudged.
    ``districts`` gives each old commune's district, to tell a district's centroid given to
    several of its communes (trusted) from one spot given to namesakes (not trusted).
    """
    unique_pairs = list(dict.fromkeys(pairs))
    trusted = _trusted(points, {old for old, _ in unique_pairs}, districts or {})
    measured = [_Measured(old, new, _between(trusted, old, new)) for old, new in unique_pairs]
    by_old: dict[Key, list[_Measured[Key]]] = defaultdict(list)
    nearest_predecessor: dict[Key, float] = {}
    for pair in measured:
        by_old[pair.old].append(pair)
        if pair.km is not None:
            nearest = nearest_predecessor.get(pair.new, math.inf)
            nearest_predecessor[pair.new] = min(nearest, pair.km)
    result: dict[tuple[Key, Key], Judgement] = {}
    for old, successors in by_old.items():
        distances = [s.km for s in successors if s.km is not None]
        nearest_km = min(distances) if distances else None
        for pair in successors:
            if len(successors) == 1:
                verdict = Verdict.SOLE
            elif (
                pair.km is None
                or nearest_km is None
                or nearest_predecessor[pair.new] > max_extra_km
            ):
                verdict = Verdict.UNJUDGED
            elif pair.km - nearest_km > max_extra_km:
                verdict = Verdict.FAR
            else:
                verdict = Verdict.NEAR
            result[(old, pair.new)] = Judgement(verdict, pair.km, nearest_km)
    return result


def _trusted(
    points: Mapping[Key, Point], olds: set[Key], districts: Mapping[Key, Hashable]
) -> dict[Key, Point]:
    """Return the points, less those old units of different districts share.

    The geocoder behind the package gave some namesakes one place (Xã Phú Tân of Sóc Trăng
    and of Hậu Giang share theirs): at most one of them is right, and which is unknown.
    Communes of one district sharing a point got their district's centroid instead of their
    own, which is still right to the ten kilometres the rule needs.
    """
    sharers: dict[Point, set[Hashable]] = defaultdict(set)
    for old in olds:
        if old in points:
            sharers[points[old]].add(districts.get(old, old))
    return {
        key: point for key, point in points.items() if key not in olds or len(sharers[point]) == 1
    }


def _between(points: Mapping[Key, Point], old: Key, new: Key) -> float | None:
    a, b = points.get(old), points.get(new)
    return None if a is None or b is None else distance_km(a, b)


BIN_EDGES_KM = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 100.0)


@dataclass(frozen=True)
class Distribution:
    """The figures the rule's threshold was chosen from (``coopbot units check --figures``)."""

    successions: int
    sole: int
    sole_beyond_threshold: int
    """Only successors farther than ``MAX_EXTRA_KM``, kept: their centroids are wrong."""
    old_communes_with_several: int
    several: int
    unjudged: int
    extra_km_bins: tuple[tuple[float, float | None, int], ...]
    """(from, to or None for no bound, how many) of the judged successions' extra distance."""
    largest_kept_extra_km: float | None
    smallest_rejected_extra_km: float | None
    rejected: int


def distribution(judgements: Mapping[tuple[Key, Key], Judgement]) -> Distribution:
    """Return how the judged successions' distances are spread, and what the rule did."""
    sole = [j for j in judgements.values() if j.verdict is Verdict.SOLE]
    several = [j for j in judgements.values() if j.verdict is not Verdict.SOLE]
    extras = [
        (j.distance_km - j.nearest_km, j.verdict)
        for j in several
        if j.distance_km is not None
        and j.nearest_km is not None
        and j.verdict in (Verdict.NEAR, Verdict.FAR)
    ]
    edges: list[tuple[float, float | None]] = list(
        zip(BIN_EDGES_KM, (*BIN_EDGES_KM[1:], None), strict=True)
    )
    bins = tuple(
        (low, high, sum(1 for km, _ in extras if low <= km and (high is None or km < high)))
        for low, high in edges
    )
    kept = [km for km, verdict in extras if verdict is Verdict.NEAR]
    rejected = [km for km, verdict in extras if verdict is Verdict.FAR]
    return Distribution(
        successions=len(judgements),
        sole=len(sole),
        sole_beyond_threshold=sum(
            1 for j in sole if j.distance_km is not None and j.distance_km > MAX_EXTRA_KM
        ),
        old_communes_with_several=len(
            {old for (old, _), j in judgements.items() if j.verdict is not Verdict.SOLE}
        ),
        several=len(several),
        unjudged=sum(1 for j in several if j.verdict is Verdict.UNJUDGED),
        extra_km_bins=bins,
        largest_kept_extra_km=max(kept, default=None),
        smallest_rejected_extra_km=min(rejected, default=None),
        rejected=len(rejected),
    )
