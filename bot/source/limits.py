"""How much mail we accept, checked before any parsing: anyone can send to a list.

One input (an mbox, a maildir, one mail file, stdin from b4, a thread or search
answer from lore) is at most ``MAX_INPUT_BYTES`` and ``MAX_MAILS`` mails, and
one mail nests at most ``MAX_MIME_CONTAINERS`` multipart or message parts
(Python's mail parser recurses once per level) and has no header field longer
than ``MAX_HEADER_FIELD``. Only regular files are read: a
FIFO would block and a device like /dev/zero never ends. Every refusal is an
``InputError`` whose one line names the limit.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Callable
from pathlib import Path

from bot.errors import InputError

MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_MAILS = 5_000
MAX_MIME_CONTAINERS = 64
MAX_HEADER_FIELD = 64 * 1024  # a References or Cc of thousands: parsers of id and address
# lists grow faster than their input (1 MB of Message-IDs: seconds in Python's parser)

# A mbox separator starts a new mail; a multipart/ or message/ part nests one level.
_MAIL_OR_CONTAINER = re.compile(
    rb"^(From )|^(?i:content-type)[ \t]*:\s*(?i:multipart|message)/", re.M)
# A header block: the lines after a separator (or the start) up to the first blank one.
_HEADER_BLOCK = re.compile(rb"(?:\A|^From [^\n]*\n)((?:[^\n]+\n)*)", re.M)
_FIELD = re.compile(rb"^([^\s:]*)[^\n]*(?:\n[ \t][^\n]*)*", re.M)
_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def too_big(what: str) -> InputError:
    return InputError(f"{what}: more than {MAX_INPUT_BYTES} bytes "
                      f"(the limit of one input, {MAX_INPUT_BYTES >> 20} MiB)")


def read_regular_file(path: Path, budget: int = MAX_INPUT_BYTES, what: str = "") -> bytes:
    """A regular file's bytes, at most ``budget`` (``what`` it counts towards, if not
    just this file); anything but a regular file is refused unread."""
    what = what or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a file")
            raise InputError(f"{path}: {kind}, not a regular file (only files are read)")
        if os.fstat(fd).st_size > budget:
            raise too_big(what)
        try:
            return read_bounded(handle.read, what, budget)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def read_bounded(read: Callable[[int], bytes], what: str,
                 budget: int = MAX_INPUT_BYTES) -> bytes:
    """What ``read(n)`` gives, refused once it passes ``budget`` bytes (a pipe has no size)."""
    data = read(budget + 1)
    if len(data) > budget:
        raise too_big(what)
    return data


def check_unpacked_size(data: bytes, what: str) -> None:
    """Refuse gzip data that unpacks past the input limit (a small bomb unpacks huge);
    broken gzip is left to whoever unpacks it, to report as they do."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzip:
            read_bounded(unzip.read, what)
    except (OSError, EOFError, zlib.error):
        return


def check_mail_count(count: int, what: str) -> None:
    if count > MAX_MAILS:
        raise InputError(f"{what}: {count} mails, more than the {MAX_MAILS} one input may hold")


def _check_mime_nesting(data: bytes, what: str) -> None:
    """Refuse a mail (or any mail of an mbox) with too many multipart/message parts."""
    containers = 0
    for match in _MAIL_OR_CONTAINER.finditer(data):
        if match.group(1):
            containers = 0
            continue
        containers += 1
        if containers > MAX_MIME_CONTAINERS:
            raise InputError(f"{what}: a mail nests more than {MAX_MIME_CONTAINERS} "
                             "multipart/message parts")


def _check_header_fields(data: bytes, what: str) -> None:
    """Refuse a mail (or any mail of an mbox) with a header field past the limit."""
    for block in _HEADER_BLOCK.finditer(data):
        if len(block.group(1)) <= MAX_HEADER_FIELD:
            continue
        for field in _FIELD.finditer(block.group(1)):
            if len(field.group(0)) > MAX_HEADER_FIELD:
                name = field.group(1)[:40].decode("ascii", "replace") or "a"
                raise InputError(f"{what}: a mail has a {name} header of "
                                 f"{len(field.group(0))} bytes (more than {MAX_HEADER_FIELD})")


def check_mail_shape(data: bytes, what: str) -> None:
    """Refuse a mail (or any mail of an mbox) that nests MIME or grows a header field
    past the limits: what Python's and b4's mail parsers cannot take in bounded time."""
    _check_mime_nesting(data, what)
    _check_header_fields(data, what)
