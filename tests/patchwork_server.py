"""A Patchwork REST API on loopback, answering with the shapes Patchwork 3.x uses.

Real Patchwork is a Django site that is not on PyPI, so this server speaks its
REST API as documented and as its views answer: versioned roots ``/api/1.N/``
(a version the server does not have is a 404), ``GET patches/?msgid=&project=``
(``msgid`` is understood from API 1.2 on, stored with its angle brackets; a
project is named by link name or id), pages with a ``Link: <...>; rel="next"``
header, ``POST patches/<id>/checks/`` answering 201 with the check, and Django
REST framework's token authentication: an unknown token is a 401 ``Invalid
token.``, a check on a project the token's user does not maintain a 403.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

VERSIONS = ("1.0", "1.1", "1.2", "1.3")
_PATH = re.compile(r"^/api/(?:(?P<version>\d\.\d)/)?patches/(?:(?P<id>\d+)/checks/)?$")


@dataclass
class Project:
    id: int
    link_name: str
    list_id: str

    def as_json(self, root: str) -> dict:
        return {"id": self.id, "url": f"{root}/api/1.2/projects/{self.id}/",
                "name": self.link_name, "link_name": self.link_name, "list_id": self.list_id,
                "list_email": self.list_id.replace(".", "@", 1), "web_url": None,
                "scm_url": None, "webscm_url": None, "list_archive_url": "",
                "list_archive_url_format": "", "commit_url_format": ""}


@dataclass
class Patchwork:
    """What the server holds and how it behaves."""

    projects: list[Project]
    patches: list[tuple[int, int, str]]  # (id, project id, msgid without <>)
    tokens: dict[str, set[int]]  # token -> ids of the projects its user maintains
    versions: tuple[str, ...] = VERSIONS
    msgid_filter_from: str = "1.2"  # older API versions ignore ?msgid=, as Patchwork does
    per_page: int = 30
    fail_posts: int = 0  # answer this many POSTs with 503 first
    checks: list[dict] = field(default_factory=list)  # what was posted, with patch id
    requests: list[tuple[str, str]] = field(default_factory=list)
    root: str = ""


def _handler(state: Patchwork):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code: int, payload, headers: dict | None = None):
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _route(self):
            parts = urlsplit(self.path)
            state.requests.append((self.command, self.path))
            match = _PATH.match(parts.path)
            version = (match.group("version") if match else None) or state.versions[-1]
            if not match or version not in state.versions:
                self._send(404, {"detail": "Not found."})
                return None
            token = (self.headers.get("Authorization") or "").removeprefix("Token ")
            if token and token not in state.tokens:
                self._send(401, {"detail": "Invalid token."}, {"WWW-Authenticate": "Token"})
                return None
            return parts, match, version, token

        def do_GET(self):
            routed = self._route()
            if routed is None:
                return
            parts, match, version, _ = routed
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            found = state.patches
            if "project" in query:
                wanted = {p.id for p in state.projects
                          if query["project"] in (p.link_name, str(p.id))}
                found = [p for p in found if p[1] in wanted]
            if "msgid" in query and version >= state.msgid_filter_from:
                found = [p for p in found if p[2] == query["msgid"].strip("<>")]
            page = int(query.get("page", 1))
            chunk = found[(page - 1) * state.per_page:page * state.per_page]
            headers = {}
            if page * state.per_page < len(found):
                nxt = urlencode({**query, "page": page + 1})
                headers["Link"] = f'<{state.root}{parts.path}?{nxt}>; rel="next"'
            self._send(200, [self._patch(p) for p in chunk], headers)

        def _patch(self, patch: tuple[int, int, str]) -> dict:
            pid, project_id, msgid = patch
            project = next(p for p in state.projects if p.id == project_id)
            return {"id": pid, "url": f"{state.root}/api/1.2/patches/{pid}/",
                    "web_url": f"{state.root}/project/{project.link_name}/patch/{msgid}/",
                    "project": project.as_json(state.root), "msgid": f"<{msgid}>",
                    "list_archive_url": None, "date": "2020-09-12T09:30:11",
                    "name": f"patch {pid}", "commit_ref": None, "pull_url": None,
                    "state": "new", "archived": False, "hash": "0" * 40,
                    "submitter": {"id": 1, "name": "Dexuan Quill",
                                  "email": "dquill@example.com"},
                    "delegate": None, "mbox": f"{state.root}/patch/{pid}/mbox/",
                    "series": [], "comments": "", "check": "pending",
                    "checks": f"{state.root}/api/1.2/patches/{pid}/checks/", "tags": {}}

        def do_POST(self):
            routed = self._route()
            if routed is None:
                return
            _, match, _, token = routed
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            patch = next((p for p in state.patches if str(p[0]) == match.group("id")), None)
            if match.group("id") is None or patch is None:
                self._send(404 if patch is None else 405, {"detail": "Not found."})
            elif not token:
                self._send(401, {"detail": "Authentication credentials were not provided."},
                           {"WWW-Authenticate": "Token"})
            elif patch[1] not in state.tokens[token]:
                self._send(403, {"detail": "You do not have permission to perform this "
                                           "action."})
            elif state.fail_posts > 0:
                state.fail_posts -= 1
                self._send(503, {"detail": "Service unavailable"})
            else:
                check = {"id": len(state.checks) + 1, "patch": patch[0], **body}
                state.checks.append(check)
                self._send(201, {"id": check["id"], "url": "", "user": {}, "date": "",
                                 **body})

    return Handler


class PatchworkServer:
    """``with PatchworkServer(state) as url:`` serves ``state`` on 127.0.0.1."""

    def __init__(self, state: Patchwork):
        self.state = state
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        state.root = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.state.root

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
