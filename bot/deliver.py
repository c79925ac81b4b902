"""Deliver review mails: into an outbox folder (default) and, if configured, by SMTP.

Outbox files have names derived from the series, revision and mail, and are
written atomically (temp file, then rename), so a run killed half-way leaves no
half-written mail, and one run again writes the same names. The watch records
each delivery in the store, so no patch gets the same reply twice.
"""

from __future__ import annotations

import os
import re
import smtplib
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
    outbox.mkdir(parents=True, exist_ok=True)
    target = outbox / name
    tmp = outbox / f".{name}.tmp"
    tmp.write_bytes(mail.as_bytes(policy=mail.policy.clone(linesep="\n")))  # a Unix file
    os.replace(tmp, target)
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
