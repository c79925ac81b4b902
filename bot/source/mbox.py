"""Read a series from local mail: an mbox, a maildir, or one .patch/.eml file.

The whole input is bounded before it is parsed (``bot.source.limits``): bytes
(an mbox, or all files of a maildir together), mails, MIME nesting. An mbox is
split at its ``From `` lines as bytes, so a separator line in any encoding is
just a separator.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.errors import InputError
from bot.series import Message, Series
from bot.source.limits import (
    MAX_INPUT_BYTES,
    check_mail_count,
    check_mail_shape,
    read_regular_file,
)
from bot.source.mail import parse_message
from bot.source.thread import series_from_messages

_FROM_LINE = re.compile(rb"^From [^\n]*\n?", re.M)


def split_mbox(data: bytes) -> list[bytes]:
    """The mails of an mbox: what lies between its ``From `` lines (mboxo, as git writes)."""
    starts = list(_FROM_LINE.finditer(data))
    ends = [m.start() for m in starts[1:]] + [len(data)]
    mails = [data[m.end():end] for m, end in zip(starts, ends, strict=True)]
    return [m[:-1] if m.endswith(b"\n\n") else m for m in mails]  # the blank separator


def _maildir_files(path: Path) -> list[Path]:
    if not all((path / sub).is_dir() for sub in ("cur", "new")):
        raise InputError(f"{path}: a folder but not a maildir (no cur/ and new/)")
    files = [f for sub in ("cur", "new") for f in (path / sub).iterdir()
             if not f.name.startswith(".")]
    check_mail_count(len(files), str(path))
    return sorted(files, key=lambda f: f.name.split(":")[0])  # maildir's unique names


def _raw_mails(path: Path) -> list[bytes]:
    if path.is_dir():
        mails, budget = [], MAX_INPUT_BYTES
        for file in _maildir_files(path):  # the limit holds for the maildir as a whole
            mails.append(read_regular_file(file, budget, f"{path} (all its mails)"))
            budget -= len(mails[-1])
    else:
        data = read_regular_file(path)
        mails = split_mbox(data) if data.startswith(b"From ") else [data]
        check_mail_count(len(mails), str(path))
    for raw in mails:
        check_mail_shape(raw, str(path))
    return mails


def read_messages(path: Path) -> list[Message]:
    """Every mail of the file or folder, decoded, in file order."""
    try:
        raw = _raw_mails(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read mail: {exc.strerror or exc}") from None
    messages = [parse_message(m)[0] for m in raw]
    messages = [m for m in messages if m.subject or m.body.strip()]
    if not messages:
        raise InputError(f"{path}: no mail found (not an mbox, maildir or mail file)")
    return messages


def read_series(path: Path, version: int | None = None) -> Series:
    """The series revision to review from local mail."""
    return series_from_messages(read_messages(path), version, source=str(path))
