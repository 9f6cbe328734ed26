"""Exercises of 00_welcome: a warm-up."""

from __future__ import annotations

import numpy as np

from course_lib.activations import relu, relu_forward

from ..cases import Case
from ..registry import Mistake, registrar
from ._gen import dims, randn

register = registrar("00_welcome")


def _relu_case(rng: np.random.Generator, i: int) -> Case:
    n, m = dims(rng), dims(rng, 3, 9)
    Z = randn(rng, n, m, scale=2.0)
    Z[0, 0] = -abs(Z[0, 0]) - 0.5  # at least one negative and one positive entry
    Z[-1, -1] = abs(Z[-1, -1]) + 0.5
    return Case((Z,), names=("Z",))


def _relu_max_reduces(Z):
    return np.max(Z, 0)


def _relu_abs(Z):
    return np.abs(Z)


def _relu_clip_one(Z):
    return np.clip(Z, 0, 1)


def _relu_max_no_axis(Z):
    return np.max(Z)


def _relu_negative_part(Z):
    return Z * (Z < 0)


def _relu_mask(Z):
    return Z > 0


register("relu", relu, _relu_case, implements=(relu_forward,),
         summary="ReLU of a matrix of pre-activations", mistakes=(
    Mistake("max_over_axis", "np.max(Z, 0) is the largest entry of each column (a reduction), not "
            "an elementwise max: use np.maximum(Z, 0).", _relu_max_reduces),
    Mistake("absolute_value", "ReLU keeps positive values and sets negative ones to 0; np.abs "
            "flips the negative ones instead.", _relu_abs),
    Mistake("clipped_at_one", "ReLU has no upper limit: np.clip(Z, 0, 1) also cuts values above 1.",
            _relu_clip_one),
    Mistake("max_without_axis", "np.max(Z) is the single largest entry of the whole matrix (a "
            "reduction to one number), not an elementwise max: use np.maximum(Z, 0).",
            _relu_max_no_axis),
    Mistake("kept_the_negative_part", "The mask is the wrong way round: Z * (Z < 0) (or "
            "np.minimum(Z, 0)) keeps the NEGATIVE entries. ReLU keeps the positive ones: Z * (Z > "
            "0), or np.maximum(Z, 0).", _relu_negative_part),
    Mistake("returned_the_mask", "Z > 0 is the mask (True/False: where ReLU lets z through, and "
            "its derivative), not ReLU itself. Multiply it with Z: Z * (Z > 0), or use "
            "np.maximum(Z, 0).", _relu_mask),
))
