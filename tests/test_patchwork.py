"""Checks posted to Patchwork through its REST API on loopback (tests/patchwork_server.py):
every project's copy of a cross-posted patch once, memory per server, patch and
context, "not authorised", and nothing posted where ?msgid= is not understood."""

import pytest
from kernel_repo import FIXTURES
from patchwork_server import Patchwork, PatchworkServer, Project

from bot.checks import load_rules
from bot.cli import main
from bot.patchwork_client import PatchworkClient
from bot.report.patchwork import checks
from bot.review import review_series
from bot.source.mbox import read_series
from bot.tree import FolderTree

MSGID = "20200912093011.2210-1-dquill@example.com"  # the v2 fixture's patch
CONTEXTS = {"lorebot-commit-log", "lorebot-exit-paths", "lorebot-behaviour"}
PCI = Project(1, "linux-pci", "linux-pci.vger.kernel.org")
HYPERV = Project(2, "linux-hyperv", "linux-hyperv.vger.kernel.org")
NETDEV = Project(3, "netdevbpf", "netdev.vger.kernel.org")


def server_state(**changes) -> Patchwork:
    """linux-pci and linux-hyperv both hold the fixture's patch (it was cross-posted)."""
    other = [(n, 3, f"other-{n}@example.com") for n in range(10, 80)]
    state = dict(projects=[PCI, HYPERV, NETDEV],
                 patches=[*other[:40], (7, 1, MSGID), *other[40:], (9, 2, MSGID)],
                 tokens={"maint": {1, 2, 3}, "pci-only": {1}}, per_page=30)
    return Patchwork(**{**state, **changes})


def review_cmd(url: str, *more: str) -> list[str]:
    return ["review", "--mbox", str(FIXTURES / "v2.mbox"), "--tree", str(FIXTURES / "base"),
            "--format", "json", "--fail-on", "never", "--patchwork-url", url, *more]


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOREBOT_PATCHWORK_TOKEN", "maint")
    return monkeypatch


def posted(state: Patchwork) -> set[tuple[int, str]]:
    return {(c["patch"], c["context"]) for c in state.checks}


def test_both_projects_of_a_cross_posted_patch_get_their_checks_once(env):
    state = server_state(fail_posts=2)
    with PatchworkServer(state) as url:
        assert main(review_cmd(url)) == 0
        assert posted(state) == {(pid, c) for pid in (7, 9) for c in CONTEXTS}
        assert len(state.checks) == 6
        # v2's log lacks a problem statement (a warning); its code breaks rules (fail)
        assert {(c["context"], c["state"]) for c in state.checks} == {
            ("lorebot-commit-log", "warning"), ("lorebot-exit-paths", "fail"),
            ("lorebot-behaviour", "fail")}
        assert main(review_cmd(url)) == 0  # remembered: nothing posted twice
        assert len(state.checks) == 6
    assert all(path.startswith("/api/1.2/") for _, path in state.requests)


def test_memory_is_per_server(env):
    first, second = server_state(), server_state()
    with PatchworkServer(first) as url:
        assert main(review_cmd(url)) == 0
    with PatchworkServer(second) as url:  # same patch ids, another server
        assert main(review_cmd(url)) == 0
    assert len(first.checks) == len(second.checks) == 6


def test_patchwork_project_chooses_the_copy(env):
    state = server_state()
    with PatchworkServer(state) as url:
        assert main(review_cmd(url, "--patchwork-project", "linux-hyperv")) == 0
        assert posted(state) == {(9, c) for c in CONTEXTS}
        assert main(review_cmd(url, "--patchwork-project", "linux-pci.vger.kernel.org")) == 0
        assert posted(state) == {(pid, c) for pid in (7, 9) for c in CONTEXTS}


def test_project_without_the_patch_is_not_found(env, capsys):
    with PatchworkServer(server_state()) as url:
        assert main(review_cmd(url, "--patchwork-project", "netdevbpf")) == 3
    err = capsys.readouterr().err.strip()
    assert err == f"lorebot: error: Patchwork at {url} has no patch <{MSGID}> in project netdevbpf"


@pytest.mark.parametrize("token, code", [("wrong", "HTTP 401"), ("pci-only", "HTTP 403")])
def test_bad_or_weak_token_says_not_authorised(env, capsys, token, code):
    env.setenv("LOREBOT_PATCHWORK_TOKEN", token)
    state = server_state()
    with PatchworkServer(state) as url:
        assert main(review_cmd(url, "--patchwork-project", "linux-hyperv")) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "not authorised" in lines[0] and code in lines[0]
    assert state.checks == []


def test_server_that_ignores_msgid_gets_nothing(env, capsys):
    state = server_state(msgid_filter_from="9.9")  # answers every patch, like API 1.0/1.1
    with PatchworkServer(state) as url:
        assert main(review_cmd(url)) == 2
    err = capsys.readouterr().err
    assert "does not filter patches by Message-ID" in err and "nothing posted" in err
    assert state.checks == []


def test_server_without_the_pinned_api_version(env, capsys):
    state = server_state(versions=("1.0", "1.1"))
    with PatchworkServer(state) as url:
        assert main(review_cmd(url)) == 2
    assert "needs API 1.2" in capsys.readouterr().err
    assert state.checks == []


def test_client_follows_pages_and_retries(tmp_path):
    review = review_series(read_series(FIXTURES / "v2.mbox"), load_rules(),
                           FolderTree(FIXTURES / "base"))
    state = server_state(per_page=1, fail_posts=3)
    with PatchworkServer(state) as url:
        client = PatchworkClient(url, "maint", tmp_path / "posted.json", backoff=0.01)
        assert [p["id"] for p in client.copies(MSGID)] == [7, 9]
        found = checks(review)
        assert len(found) == 3 and client.post(found) == 6
    assert any("page=2" in path for _, path in state.requests)


def test_project_option_needs_the_url(capsys):
    assert main(["review", "--mbox", str(FIXTURES / "v2.mbox"),
                 "--patchwork-project", "linux-pci"]) == 2
    assert "--patchwork-url" in capsys.readouterr().err
