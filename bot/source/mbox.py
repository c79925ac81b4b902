"""Read a series from local mail: an mbox, a maildir, or one .patch/.eml file."""

from __future__ import annotations

import email
import email.message
import mailbox
from pathlib import Path

from bot.errors import InputError
from bot.series import Message, Series
from bot.source.mail import parse_message
from bot.source.thread import series_from_messages

MAX_MAIL_BYTES = 64 * 1024 * 1024


def _raw_mails(path: Path) -> list[email.message.Message]:
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new")):
            raise InputError(f"{path}: a folder but not a maildir (no cur/ and new/)")
        box = mailbox.Maildir(path, factory=None, create=False)
        return [box.get_message(key) for key in sorted(box.keys())]
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if size > MAX_MAIL_BYTES:
        raise InputError(f"{path}: {size} bytes is more than the {MAX_MAIL_BYTES} a series may be")
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        return list(mailbox.mbox(path, factory=None, create=False))
    return [email.message_from_bytes(path.read_bytes())]


def read_messages(path: Path) -> list[Message]:
    """Every mail of the file or folder, decoded, in file order."""
    try:
        raw = _raw_mails(path)
    except (OSError, mailbox.Error) as exc:
        raise InputError(f"{path}: cannot read mail: {exc}") from None
    messages = [parse_message(m)[0] for m in raw]
    messages = [m for m in messages if m.subject or m.body.strip()]
    if not messages:
        raise InputError(f"{path}: no mail found (not an mbox, maildir or mail file)")
    return messages


def read_series(path: Path, version: int | None = None) -> Series:
    """The series revision to review from local mail."""
    return series_from_messages(read_messages(path), version, source=str(path))
