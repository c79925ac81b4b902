"""Every commit-log rule carries mail examples: ``bad-*.eml`` is flagged, ``ok-*.eml`` not.

Rules that learn from git history (subject-prefix) run their examples against
the fixture kernel repository; rules that read the files (covers-changes) against
the ``base/`` folder beside their examples; the others as a mail reviewed alone.
"""

import pygit2
import pytest
from kernel_repo import build_kernel_repo

from bot.checks import load_rules
from bot.review import review_series
from bot.source.mbox import read_series
from bot.tree import FolderTree

LOG_RULES = [r for r in load_rules() if r.kind == "commit-log"]


def _examples(rule, prefix):
    return sorted((rule.pack.folder / "examples" / rule.id).glob(f"{prefix}-*.eml"))


@pytest.mark.parametrize("rule", LOG_RULES, ids=lambda r: r.id)
def test_rule_has_bad_and_ok_examples(rule):
    assert _examples(rule, "bad") and _examples(rule, "ok"), f"{rule.id} lacks examples"


@pytest.fixture(scope="module")
def kernel_repo(tmp_path_factory):
    path = tmp_path_factory.mktemp("linux")
    build_kernel_repo(path)
    return pygit2.Repository(str(path))


@pytest.mark.parametrize("rule", LOG_RULES, ids=lambda r: r.id)
def test_examples(rule, kernel_repo):
    repo = kernel_repo if rule.params["check"] == "subject-prefix" else None
    base_folder = rule.pack.folder / "examples" / rule.id / "base"
    base = FolderTree(base_folder) if base_folder.is_dir() else None
    for prefix, expect in (("bad", True), ("ok", False)):
        for path in _examples(rule, prefix):
            review = review_series(read_series(path), [rule], base, repo)
            assert bool(review.findings) == expect, f"{path}: {review.findings}"
