"""The leaderboard's arithmetic: Bradley–Terry strengths (Hunter's MM algorithm) and Wilson intervals, stdlib only."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

PRIOR = 0.5  # a virtual half win each way per pair of models that met: finite ratings, few games count little
ELO_BASE, ELO_SCALE = 1500.0, 400.0  # strengths shown on the Elo scale: 400 points = 10 times the odds
Z95 = 1.959963984540054
_ITERATIONS, _TOLERANCE = 10_000, 1e-10

Pair = tuple[str, str]  # (winner, loser)


@dataclass(frozen=True, slots=True)
class Standing:
    """One model's record: real wins and losses, its win rate with a 95% Wilson interval, and its rating."""

    model: str
    wins: int
    losses: int
    games: int
    win_rate: float
    win_rate_low: float
    win_rate_high: float
    rating: float


def wilson(wins: int, games: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a win rate; (0, 1) when there are no games."""
    if games == 0:
        return 0.0, 1.0
    p, zz = wins / games, z * z
    centre = (p + zz / (2 * games)) / (1 + zz / games)
    half = z * math.sqrt(p * (1 - p) / games + zz / (4 * games * games)) / (1 + zz / games)
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return (0.0 if wins == 0 else low), (1.0 if wins == games else high)


def bradley_terry(counts: Mapping[Pair, float], prior: float = PRIOR) -> dict[str, float]:
    """Strengths p (geometric mean 1) maximising the likelihood of `counts` plus `prior` wins each way per pair
    that met: Hunter's MM update p_i ← W_i / Σ_j n_ij / (p_i + p_j), normalised each round."""
    wins: dict[Pair, float] = {}
    for (winner, loser), n in counts.items():
        if winner == loser or n <= 0:
            continue
        wins[winner, loser] = wins.get((winner, loser), 0.0) + n
    met = {tuple(sorted(pair)) for pair in wins}
    for a, b in met:
        wins[a, b] = wins.get((a, b), 0.0) + prior
        wins[b, a] = wins.get((b, a), 0.0) + prior
    return _mm(wins)


def _mm(wins: Mapping[Pair, float]) -> dict[str, float]:
    models = sorted({m for pair in wins for m in pair})
    won = {m: 0.0 for m in models}
    games: dict[str, dict[str, float]] = {m: {} for m in models}
    for (winner, loser), n in wins.items():
        won[winner] += n
        games[winner][loser] = games[winner].get(loser, 0.0) + n
        games[loser][winner] = games[loser].get(winner, 0.0) + n
    strength = dict.fromkeys(models, 1.0)
    for _ in range(_ITERATIONS):
        new = {m: won[m] / sum(n / (strength[m] + strength[o]) for o, n in games[m].items()) for m in models}
        mean = math.exp(sum(math.log(v) for v in new.values()) / len(new)) if new else 1.0
        new = {m: v / mean for m, v in new.items()}
        done = all(abs(new[m] - strength[m]) <= _TOLERANCE * strength[m] for m in models)
        strength = new
        if done:
            break
    return strength


def standings(counts: Mapping[Pair, int], prior: float = PRIOR) -> list[Standing]:
    """Every model that played, best rating first (then most wins, then name)."""
    strength = bradley_terry(counts, prior)
    won: dict[str, int] = dict.fromkeys(strength, 0)
    lost: dict[str, int] = dict.fromkeys(strength, 0)
    for (winner, loser), n in counts.items():
        if winner != loser and n > 0:
            won[winner] += n
            lost[loser] += n
    table = [_standing(m, won[m], lost[m], strength[m]) for m in strength]
    return sorted(table, key=lambda s: (-s.rating, -s.wins, s.model))


def _standing(model: str, wins: int, losses: int, strength: float) -> Standing:
    games = wins + losses
    low, high = wilson(wins, games)
    rating = ELO_BASE + ELO_SCALE * math.log10(strength)
    return Standing(model, wins, losses, games, wins / games if games else 0.0, low, high, rating)
