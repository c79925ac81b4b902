"""A real lore on loopback: a public-inbox v2 inbox served by public-inbox-httpd.

Messages are delivered with public-inbox-mda, as lore's own inboxes get them.
Everything lives in a temp folder (its own HOME and PI_CONFIG) and the server
is stopped when the test ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from email import message_from_bytes
from email.utils import format_datetime
from pathlib import Path

import pytest

NAME = "linux-hyperv"
ADDRESS = "linux-hyperv@vger.kernel.org"


def have_public_inbox() -> bool:
    return all(shutil.which(tool) for tool in ("public-inbox-init", "public-inbox-mda",
                                               "public-inbox-httpd"))


def require_public_inbox() -> None:
    if not have_public_inbox():
        pytest.skip("public-inbox is not installed (scripts/setup installs Debian's "
                    "public-inbox when run as root)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PublicInbox:
    """One inbox and its HTTP server; ``add`` delivers mails, ``midmask`` is for b4."""

    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/{NAME}"
        self.env = {**os.environ, "HOME": str(root / "home"),
                    "PI_CONFIG": str(root / "pi_config"), "ORIGINAL_RECIPIENT": ADDRESS}
        (root / "home").mkdir(parents=True)
        # "full", as lore: phrase searches (s:"subject", which b4 sends to find
        # earlier revisions) need the positions "medium" leaves out
        self._run(["public-inbox-init", "-V2", "-L", "full", NAME, str(root / "inbox"),
                   self.url, ADDRESS])
        self._run(["git", "config", "-f", str(root / "pi_config"),
                   "publicinboxmda.spamcheck", "none"])
        self.server: subprocess.Popen | None = None

    @property
    def midmask(self) -> str:
        return self.url + "/%s"

    def _run(self, args: list[str], data: bytes | None = None, timeout: float = 60) -> None:
        subprocess.run(args, env=self.env, input=data, check=True, capture_output=True,
                       timeout=timeout)

    @staticmethod
    def stamped(raw: bytes, when: datetime | None = None) -> bytes:
        """The mail with a Received: line, as lore's MTA adds; ``rt:`` is read from it."""
        when = when or datetime.now(UTC)
        return f"Received: from list by lore.test; {format_datetime(when)}\n".encode() + raw

    def add(self, raw: bytes) -> None:
        """Deliver one mail through public-inbox-mda, as lore's inboxes get them."""
        self._run(["public-inbox-mda", "--no-precheck"], data=self.stamped(raw))
        self.refresh(message_from_bytes(raw)["Message-ID"])

    def add_bulk(self, raws: list[bytes], received: datetime) -> None:
        """Import many mails at once: git fast-import into the inbox's epoch, then index.

        A thousand mails take a second this way instead of minutes through mda.
        """
        epoch = self.root / "inbox" / "git" / "0.git"
        head = subprocess.run(["git", f"--git-dir={epoch}", "rev-parse", "--verify", "-q",
                               "refs/heads/master"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
        stream = bytearray()
        stamp = int(received.timestamp())
        for n, raw in enumerate(raws):
            data = self.stamped(raw, received)
            stream += b"blob\nmark :%d\ndata %d\n%s\n" % (2 * n + 1, len(data), data)
            stream += (b"commit refs/heads/master\nmark :%d\ncommitter lore <lore@test> "
                       b"%d +0000\ndata 2\nm\n" % (2 * n + 2, stamp))
            parent = b":%d" % (2 * n) if n else head.encode()
            if parent:
                stream += b"from %s\n" % parent
            stream += b"M 100644 :%d m\n\n" % (2 * n + 1)
        self._run(["git", f"--git-dir={epoch}", "fast-import", "--quiet"], data=bytes(stream))
        self._run(["public-inbox-index", str(self.root / "inbox")],
                  timeout=60 + len(raws) / 10)  # thousands, on a busy machine
        if raws:
            self.refresh(message_from_bytes(raws[-1])["Message-ID"])

    def refresh(self, message_id: str) -> None:
        """Make a running server see new mail (its search handle is reopened on SIGHUP)."""
        if self.server is None:
            return
        self.server.send_signal(signal.SIGHUP)
        query = urllib.parse.urlencode({"q": f"m:{message_id.strip('<> ')}", "x": "m"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"{self.url}/?{query}", data=b"",
                                                 method="POST")
                with urllib.request.urlopen(request, timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"public-inbox-httpd did not index <{message_id}> within 20 s")

    def add_mbox(self, path: Path) -> list[str]:
        """Deliver every mail of an mbox file; their Message-IDs."""
        ids = []
        chunks = path.read_bytes().split(b"\nFrom mboxrd@z Thu Jan  1 00:00:00 1970\n")
        for n, chunk in enumerate(chunks):
            if n == 0:
                chunk = chunk.split(b"\n", 1)[1]
            chunk = b"\n".join(line[1:] if line.startswith(b">From ") else line
                               for line in chunk.split(b"\n"))
            self.add(chunk)
            ids.append(message_from_bytes(chunk)["Message-ID"].strip("<>"))
        return ids

    def start(self) -> PublicInbox:
        self.server = subprocess.Popen(
            ["public-inbox-httpd", "-W0", "-l", f"127.0.0.1:{self.port}"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/new.atom", timeout=2):
                    return self
            except urllib.error.HTTPError:  # an empty inbox has no feed, but it answers
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("public-inbox-httpd did not answer within 20 s")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=10)
            self.server = None
