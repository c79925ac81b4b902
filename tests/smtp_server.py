"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted.

``hold_first_rcpt`` stalls the first transaction at RCPT TO until the test
releases it, so a test can kill the sender in the middle of a delivery: no
DATA was sent, so the server never accepted that mail, as a real one would.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


class Recorder:
    """aiosmtpd handler: stores accepted mails; optionally stalls the first RCPT."""

    def __init__(self, hold_first_rcpt: bool = False):
        self.accepted: list[tuple[list[str], Message]] = []
        self.hold = hold_first_rcpt
        self.holding = threading.Event()  # set while the first RCPT is stalled
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold:
            self.hold = False
            self.holding.set()
            for _ in range(600):  # at most 30 s
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start with ``with SmtpServer() as smtp:``; ``smtp.port``, ``smtp.recorder``."""

    def __init__(self, hold_first_rcpt: bool = False):
        self.recorder = Recorder(hold_first_rcpt)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10)

    @property
    def mails(self) -> list[Message]:
        return [mail for _, mail in self.recorder.accepted]

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.recorder.release.set()
        self.controller.stop()
