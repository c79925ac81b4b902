"""Post lorebot's checks to a Patchwork instance's REST API.

Retries 5xx answers with backoff, and remembers (in a small JSON file) what it
posted, so one revision never gets the same check twice, even across runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bot.errors import NetworkError, NotFoundError
from bot.report.patchwork import Check

TIMEOUT = 15.0


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "lorebot" / "patchwork-posted.json"


class PatchworkClient:
    def __init__(self, url: str, token: str, state_file: Path | None = None,
                 retries: int = 3, backoff: float = 0.5):
        self.url = url.rstrip("/")
        self.token = token
        self.state_file = state_file or default_state_file()
        self.retries, self.backoff = retries, backoff

    def _request(self, method: str, path: str, **kwargs):
        import requests

        from bot import __version__

        headers = {"Authorization": f"Token {self.token}",
                   "User-Agent": f"lorebot/{__version__}"}
        for attempt in range(self.retries + 1):
            try:
                answer = requests.request(method, self.url + path, headers=headers,
                                          timeout=TIMEOUT, **kwargs)
            except requests.RequestException as exc:
                raise NetworkError(f"Patchwork at {self.url}: {exc}") from None
            if answer.status_code < 500:
                return answer
            if attempt < self.retries:
                time.sleep(self.backoff * 2 ** attempt)
        raise NetworkError(f"Patchwork at {self.url} answered {answer.status_code} "
                           f"{self.retries + 1} times for {method} {path}")

    def patch_id(self, msgid: str) -> int:
        answer = self._request("GET", "/api/patches/", params={"msgid": msgid})
        found = answer.json() if answer.status_code == 200 else []
        if not found:
            raise NotFoundError(f"Patchwork at {self.url} has no patch <{msgid}>")
        return int(found[0]["id"])

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

    @staticmethod
    def _key(check: Check) -> str:
        text = json.dumps([check.msgid, check.context, check.state, check.description])
        return hashlib.sha256(text.encode()).hexdigest()

    def post(self, checks: list[Check]) -> int:
        """Post the checks not posted before; how many were posted."""
        posted = self._posted()
        count = 0
        for check in checks:
            key = self._key(check)
            if key in posted:
                continue
            pid = self.patch_id(check.msgid)
            answer = self._request("POST", f"/api/patches/{pid}/checks/", json={
                "state": check.state, "context": check.context,
                "description": check.description, "target_url": check.target_url})
            if answer.status_code not in (200, 201):
                raise NetworkError(f"Patchwork refused the check {check.context} for "
                                   f"<{check.msgid}>: HTTP {answer.status_code}")
            posted.add(key)
            self._remember(posted)
            count += 1
        return count
