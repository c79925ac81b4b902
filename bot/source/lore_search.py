"""lore's answer to a search, read newest first and only as far as a pass needs.

public-inbox writes the mbox of a search (``x=m``) in the order it indexed the
mails, the newest first (its Mbox.pm sorts by document number, descending), and
streams it gzipped while it reads them. A watch pass therefore reads an answer
only down to the mail the previous pass read first, whatever the search window
holds, then closes the connection and public-inbox stops writing. A mail that
lore indexed late, with an older date, is still above that mark.

Past the mark the answer goes on with mails received shortly before the
previous pass (``Resume.recheck_from``): in lore's index of all lists, a mail
posted to two lists is one document that gains the second list's name when its
copy to that list arrives, without moving up the answer.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from bot.errors import NetworkError
from bot.source.limits import MAX_INPUT_BYTES, too_big

_RECEIVED = re.compile(rb"^Received:([^\n]*(?:\n[ \t][^\n]*)*)", re.M | re.I)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Resume:
    """Where reading one query's answer may stop: past the mail whose ``digest`` the
    previous pass read first, at the first mail received before ``recheck_from``."""

    newest: str
    recheck_from: float


def digest(raw: bytes) -> str:
    """A mail's mark: its bytes as lore sent them (two mails may share a Message-ID)."""
    return hashlib.sha256(raw).hexdigest()[:32]


def received_at(raw: bytes) -> float | None:
    """When lore received the mail, as public-inbox reads it for ``rt:``: the first
    Received: field whose date can be read."""
    head = raw.split(b"\n\n", 1)[0]
    for match in _RECEIVED.finditer(head):
        text = match.group(1).decode("ascii", "replace").rsplit(";", 1)
        try:
            return parsedate_to_datetime(" ".join(text[-1].split())).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def newest_first(node, query: str, resume: Resume | None, what: str) -> Iterator[bytes]:
    """Each mail of lore's answer to ``query``, newest indexed first, down to where
    ``resume`` says the previous pass's reading covers the rest; raises
    ``NotFoundError`` when lore finds nothing."""
    from bot.source.lore import _remote

    url = f"{node.url}/?x=m&q={urllib.parse.quote_plus(query)}"
    response = _remote(lambda: _answer(node, url), what)
    try:
        passed = False
        for raw in _mails(response, what):
            if resume and not passed and digest(raw) == resume.newest:
                passed = True
            elif passed and (received_at(raw) or resume.recheck_from) < resume.recheck_from:
                return
            yield raw
    finally:
        response.close()


def _answer(node, url: str):
    """lore's streamed answer, not read yet (the session's reading hook leaves a
    streamed answer to us); anything but 200 is liblore's error, as its search says."""
    import liblore

    response = node.request("POST", url, data="x=m", stream=True)
    if response.status_code != 200:
        response.close()
        raise liblore.RemoteError(f"Server returned an error: {response.status_code}",
                                  status_code=response.status_code)
    return response


def _mails(response, what: str) -> Iterator[bytes]:
    """The mails of a gzipped mboxrd answer as it arrives, unescaped, each whole."""
    import requests
    import urllib3
    from liblore.utils import split_mbox_as_bytes

    unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = bytearray()
    packed = unpacked = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            data = unzip.decompress(chunk)
            packed, unpacked = packed + len(chunk), unpacked + len(data)
            if max(packed, unpacked) > MAX_INPUT_BYTES:
                raise too_big(what)
            pending += data  # body lines starting "From " are escaped (mboxrd):
            cut = pending.rfind(b"\nFrom ", max(0, len(pending) - len(data) - 6))
            if cut > 0:
                yield from split_mbox_as_bytes(bytes(pending[:cut + 1]))
                del pending[:cut + 1]
        pending += unzip.flush()
    except (OSError, zlib.error, requests.RequestException,
            urllib3.exceptions.HTTPError) as exc:
        raise NetworkError(f"lore sent a broken answer for {what}: {exc}") from None
    if not unzip.eof:
        raise NetworkError(f"lore sent a broken answer for {what}: it ends early")
    yield from split_mbox_as_bytes(bytes(pending))
