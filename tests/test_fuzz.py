"""Fuzzing ``lorebot review`` with hostile variants of the fixture mails (hypothesis).

Bounded in time: at most 80 examples per target, each review held to a 10 s
budget (bot.budget), and no new review after 12 s per target. Every variant
must end with a verdict or a one-line error: never exit 70 (a bug of ours) and
never exit 7 (over the budget). bench/fuzz_campaign.py runs the same mutators
10,000 times outside the suite.
"""

from __future__ import annotations

import time

import pytest
from fuzzing import SEEDS, mutate, mutate_c, review_exit_code
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOTAL_SECONDS = 12  # past this, the remaining examples of a target are not reviewed
SETTINGS = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("mutator", [mutate, mutate_c], ids=["mail-and-diff", "c-lines"])
def test_hostile_variants_end_in_a_verdict_or_one_line(tmp_path, mutator):
    started = time.monotonic()
    seen = []

    @SETTINGS
    @given(seed=st.sampled_from(sorted(SEEDS)), rng=st.randoms(use_true_random=False))
    def one(seed, rng):
        variant = mutator(SEEDS[seed], rng)  # drawn always: hypothesis replays the draws
        if time.monotonic() - started > TOTAL_SECONDS:
            return
        mail = tmp_path / "variant.mbox"
        mail.write_bytes(variant)
        code, stderr = review_exit_code(mail)
        seen.append(code)
        assert code not in (7, 70), f"exit {code} on a variant of {seed}: {stderr}"
        assert len(stderr.splitlines()) <= 1, stderr

    one()
    assert len(seen) >= 10  # the time cap left room for a real sample
    assert len(set(seen)) > 1  # the variants reached more than one outcome
