"""Shared fixtures and helpers of goot's Python tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

# The reported cases live beside the repository (../shared/cases) on developer
# machines and in CI; tests that need them are skipped with a reason elsewhere.
# A git worktree sits one level deeper than the main checkout, so look upwards.
_CASES = Path("shared") / "cases" / "reported-cases.json"
CASES_FILE = next(
    (
        parent / _CASES
        for parent in Path(__file__).resolve().parents[1:4]
        if (parent / _CASES).exists()
    ),
    Path(__file__).resolve().parents[2] / _CASES,
)


def load_cases() -> dict:
    if not CASES_FILE.exists():
        return {}
    return {case["id"]: case for case in json.loads(CASES_FILE.read_text())}


def case_inputs(case: dict) -> dict:
    """Run a case's generator and return the variables it defines."""
    scope: dict = {"np": np}
    exec(case["inputs"].get("preamble", ""), scope)
    exec(case["inputs"]["generator_python"], scope)
    return scope


def clouds(n: int, m: int, d: int, seed: int):
    """Two Gaussian clouds (the benchmark generator of reference/performance.md)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Y = 0.5 * rng.standard_normal((m, d)) + 1
    return X, Y


def random_problem(n: int, m: int, seed: int, zeros: bool = False):
    """Random weights (optionally with zero entries) and a random cost."""
    rng = np.random.default_rng(seed)
    a = rng.random(n) + 0.05
    b = rng.random(m) + 0.05
    if zeros and n > 2 and m > 2:
        a[rng.choice(n, n // 3, replace=False)] = 0
        b[rng.choice(m, m // 3, replace=False)] = 0
    a /= a.sum()
    b /= b.sum()
    M = rng.random((n, m))
    return a, b, M


@pytest.fixture(scope="session")
def cases() -> dict:
    found = load_cases()
    if not found and os.environ.get("CI"):
        pytest.fail(f"reported cases not found at {CASES_FILE}")
    if not found:
        pytest.skip(f"reported cases not found at {CASES_FILE}")
    return found
