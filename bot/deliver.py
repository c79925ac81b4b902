"""Deliver review mails: into an outbox folder (default) and, if configured, by SMTP.

Outbox files have names derived from the series, revision and mail, and are
written atomically (a temp file of the writer's own, then rename), so a run
killed half-way leaves no half-written mail, two writers never trip on each
other's temp file, and one run again writes the same names. The watch records
each delivery in the store, so no patch gets the same reply twice.
"""

from __future__ import annotations

import os
import re
import smtplib
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from bot.errors import NetworkError


@dataclass
class SmtpSettings:
    host: str
    port: int = 25
    starttls: bool = False
    user: str = ""
    password_env: str = ""  # name of the environment variable holding the password
    timeout: float = 30.0


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80]


def outbox_name(series_id: str, version: int, number: int) -> str:
    return f"{_safe(series_id)}-v{version}-{number:02d}.eml"


def write_outbox(outbox: Path, name: str, mail: EmailMessage) -> Path:
    """``outbox/name`` appears whole or not at all; the temp file is this writer's own."""
    outbox.mkdir(parents=True, exist_ok=True)
    target = outbox / name
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=outbox)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(mail.as_bytes(policy=mail.policy.clone(linesep="\n")))  # Unix
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as a plain write leaves it, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def send_smtp(settings: SmtpSettings, mail: EmailMessage) -> None:
    recipients = [addr for _, addr in getaddresses(mail.get_all("To", []) +
                                                   mail.get_all("Cc", [])) if addr]
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, os.environ.get(settings.password_env, ""))
            smtp.send_message(mail, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        raise NetworkError(f"SMTP {settings.host}:{settings.port}: {exc}") from None
