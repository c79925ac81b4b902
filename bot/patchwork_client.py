"""Post lorebot's checks to a Patchwork instance's REST API.

The session and the API root come from b4 (``b4.get_patchwork_session``): the
token header and the pinned API version b4 itself speaks (1.2, the first that
filters patches by Message-ID), so any Patchwork that works with b4 works here.

A patch cross-posted to several lists exists once per Patchwork project; each
copy gets the checks (``projects`` limits them to some). A copy is only ever
taken from an answer whose ``msgid`` is the one asked for: a server that does
not understand the filter answers with other patches, and those are never
written to. 5xx answers are retried with backoff; 401/403 say "not
authorised". What was posted is remembered per server, patch copy and context
(in a small JSON file), so a check is never posted twice, even across runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bot.errors import InputError, NetworkError, NotFoundError
from bot.report.patchwork import Check

TIMEOUT = 15.0
MAX_PAGES = 20  # a Message-ID has one patch per project: a few pages at most


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "lorebot" / "patchwork-posted.json"


class PatchworkClient:
    def __init__(self, url: str, token: str, state_file: Path | None = None,
                 retries: int = 3, backoff: float = 0.5, projects: list[str] | None = None):
        from bot import __version__
        from bot.b4lib import b4

        self.url = url.rstrip("/")
        self.session, self.api = b4.get_patchwork_session(token, self.url)
        self.session.headers["User-Agent"] = f"lorebot/{__version__}"
        self.state_file = state_file or default_state_file()
        self.retries, self.backoff = retries, backoff
        self.projects = set(projects or [])

    def _request(self, method: str, url: str, what: str, **kwargs):
        import requests

        for attempt in range(self.retries + 1):
            try:
                answer = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
            except requests.RequestException as exc:
                raise NetworkError(f"Patchwork at {self.url}: {exc}") from None
            if answer.status_code in (401, 403):
                raise InputError(f"Patchwork at {self.url}: not authorised to {what} "
                                 f"(HTTP {answer.status_code}: {_detail(answer)}); check the "
                                 "token in $LOREBOT_PATCHWORK_TOKEN and that its user "
                                 "maintains the project")
            if answer.status_code < 500:
                return answer
            if attempt < self.retries:
                time.sleep(self.backoff * 2 ** attempt)
        raise NetworkError(f"Patchwork at {self.url} answered {answer.status_code} "
                           f"{self.retries + 1} times to {what}")

    def copies(self, msgid: str) -> list[dict]:
        """The patch of ``msgid`` in every project (or the chosen ones) of this server."""
        url, params = f"{self.api}/patches/", {"msgid": msgid}
        found: list[dict] = []
        for _ in range(MAX_PAGES):
            answer = self._request("GET", url, f"look up <{msgid}>", params=params)
            if answer.status_code == 404:
                raise InputError(f"Patchwork at {self.url} has no REST API at {self.api}/ "
                                 "(lorebot needs API 1.2, Patchwork 2.2 or newer)")
            if answer.status_code != 200:
                raise NetworkError(f"Patchwork at {self.url} answered HTTP "
                                   f"{answer.status_code} to the lookup of <{msgid}>")
            try:
                page = answer.json()
            except ValueError:
                page = None
            if not isinstance(page, list):
                raise NetworkError(f"Patchwork at {self.url} did not answer the lookup of "
                                   f"<{msgid}> with a list of patches")
            for patch in page:
                if str(patch.get("msgid", "")).strip("<>") != msgid:
                    raise InputError(f"Patchwork at {self.url} does not filter patches by "
                                     f"Message-ID (asked for <{msgid}>, got "
                                     f"{str(patch.get('msgid'))[:80]}); nothing posted")
            found += page
            url, params = answer.links.get("next", {}).get("url"), None
            if not url:
                break
        return [p for p in found if not self.projects or self.projects & _names(p)]

    def _posted(self) -> set[str]:
        try:
            return set(json.loads(self.state_file.read_text()))
        except (OSError, ValueError):
            return set()

    def _remember(self, keys: set[str]) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(sorted(keys)))
        tmp.replace(self.state_file)

    def _key(self, patch_id: int, check: Check) -> str:
        text = json.dumps([self.url, patch_id, check.context, check.state, check.description])
        return hashlib.sha256(text.encode()).hexdigest()

    def post(self, checks: list[Check]) -> int:
        """Post the checks not posted before to every copy of their patch; how many."""
        posted = self._posted()
        count = 0
        copies: dict[str, list[dict]] = {}
        for check in checks:
            if check.msgid not in copies:
                copies[check.msgid] = self.copies(check.msgid)
                if not copies[check.msgid]:
                    where = f" in project {', '.join(sorted(self.projects))}" \
                        if self.projects else ""
                    raise NotFoundError(f"Patchwork at {self.url} has no patch "
                                        f"<{check.msgid}>{where}")
            for patch in copies[check.msgid]:
                key = self._key(int(patch["id"]), check)
                if key in posted:
                    continue
                self._post(patch, check)
                posted.add(key)
                self._remember(posted)
                count += 1
        return count

    def _post(self, patch: dict, check: Check) -> None:
        project = patch.get("project", {}).get("link_name", "?")
        what = f"add checks to patch {patch['id']} of project {project}"
        answer = self._request("POST", f"{self.api}/patches/{int(patch['id'])}/checks/", what,
                               json={"state": check.state, "context": check.context,
                                     "description": check.description,
                                     "target_url": check.target_url})
        if answer.status_code not in (200, 201):
            raise NetworkError(f"Patchwork at {self.url} refused the check {check.context} "
                               f"for <{check.msgid}> in {project}: HTTP "
                               f"{answer.status_code} {_detail(answer)}")


def _names(patch: dict) -> set[str]:
    """What a user may call the patch's project: its link name, list id, name or id."""
    project = patch.get("project") or {}
    return {str(project.get(k)) for k in ("link_name", "list_id", "name", "id")
            if project.get(k) is not None}


def _detail(answer) -> str:
    try:
        return str(answer.json().get("detail", ""))[:200]
    except (ValueError, AttributeError):
        return answer.text[:200].strip()
