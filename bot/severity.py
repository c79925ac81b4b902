"""The severities of a finding, lowest first: what a rule may say and ``--fail-on`` compares.

Apart from ``bot/series.py`` so that loading rules (``lorebot paths`` reads the pairs of
the packs) needs none of the review's data classes.
"""

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    """Order severities so that ``--fail-on`` can compare them."""
    return SEVERITIES.index(severity)
