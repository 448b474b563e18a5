"""Per-embedding-model calibration of semantic scores (cosine -> [0, 1]).

Cosine similarities of different models live on different scales: all-MiniLM-L6-v2 puts a
relevant SciFact abstract at a cosine of about 0.45-0.7 and unrelated text near 0.1-0.3, so
the console's default threshold of 0.5 cut away many relevant segments. Each model gets a
monotone piecewise-linear map (knots of raw cosine -> calibrated score, 0 -> 0 and 1 -> 1);
monotone, so the ranking (and nDCG) of a model's results is unchanged. The knots and the data
they were chosen on are documented in docs/knowledge-base.md ("Score scales");
``python -m bench.kb.calibrate`` measures a model on SciFact and the fixture.

A model without an entry keeps its raw cosine (clipped to [0, 1]). Adding a model = one entry
in ``SEMANTIC_CALIBRATIONS``, keyed by ``Embeddings.model_id``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScoreCalibration:
    """Monotone piecewise-linear map; ``knots`` are (raw, calibrated) pairs, both increasing."""

    knots: tuple[tuple[float, float], ...] = ((0.0, 0.0), (1.0, 1.0))

    def __post_init__(self):
        xs, ys = zip(*self.knots, strict=True)
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)) or any(b < a for a, b in zip(ys, ys[1:], strict=False)):
            raise ValueError("calibration knots must be increasing")

    def __call__(self, raw: float) -> float:
        xs, ys = zip(*self.knots, strict=True)
        return float(np.interp(raw, xs, ys))


IDENTITY = ScoreCalibration()

SEMANTIC_CALIBRATIONS: dict[str, ScoreCalibration] = {
    # 0.40 -> 0.5: midway between the highest unrelated (0.25) and the lowest relevant (0.56)
    # English pair of test/fixtures/knowledge/calibration.json; docs/knowledge-base.md
    # "Score scales". `python -m bench.kb.calibrate` measures the SciFact equal-error cosine.
    "local:all-MiniLM-L6-v2": ScoreCalibration(((0.0, 0.0), (0.40, 0.5), (1.0, 1.0))),
    # multilingual-e5 squeezes everything into 0.75-0.95: 0.86 -> 0.5 sits between the highest
    # unrelated pair (en 0.840, zh 0.851) and the lowest relevant one (en 0.870, zh 0.915) of the
    # same fixture, and at the median best unrelated cosine per SciFact query (0.86)
    "local:multilingual-e5-small": ScoreCalibration(((0.0, 0.0), (0.86, 0.5), (1.0, 1.0))),
}


def semantic_calibration(model_id: str) -> ScoreCalibration:
    return SEMANTIC_CALIBRATIONS.get(model_id, IDENTITY)
