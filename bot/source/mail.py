"""Decode one raw mail into a `Message`, as a mail client would show it.

Handles RFC 2047 headers, quoted-printable and base64 bodies, wrong or unknown
charsets (the declared one first, then UTF-8, then Latin-1 which never fails),
multipart mails with the patch inline or attached, and CRLF line ends. Nothing
a sender writes makes it throw: a header that does not decode is shown raw, a
charset that does not decode (or is no mail charset, like punycode) falls back,
and MIME nested too deep is an ``InputError`` (callers check the nesting of
whole inputs first, see ``bot.source.limits``).
"""

from __future__ import annotations

import email
import email.errors
import email.message
import email.parser
import re
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr

from bot.errors import InputError
from bot.series import Message

_MSGID = re.compile(r"<([^<>\s]+)>")
_SPECIALS = re.compile(r'[()<>@,:;.\\"\[\]]')
_TEXT_PARTS = ("text/plain", "text/x-patch", "text/x-diff", "text/x-csrc")
_BARE_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
MAX_ADDRESS_TEXT = 16 * 1024  # of To, Cc or From: hundreds of addresses
# Codecs for domain names, not mail: slow (quadratic) on long input, so never tried.
_NOT_MAIL_CHARSETS = ("punycode", "idna")


def header_text(msg: email.message.Message, name: str) -> str:
    """A header decoded to one line of text; broken encodings degrade, never raise."""
    raw = msg.get(name)
    return "" if raw is None else decoded(str(raw))


def decoded(raw: str) -> str:
    """RFC 2047 words decoded, whitespace folded; a broken encoding is left as it is,
    and a word in a domain-name codec (punycode) is not decoded at all."""
    try:
        words = [(word, None if (charset or "").lower() in _NOT_MAIL_CHARSETS else charset)
                 for word, charset in decode_header(raw)]
        text = str(make_header(words))
    except (ValueError, LookupError, email.errors.MessageError):
        text = raw
    return " ".join(text.split())


def addresses(msg: email.message.Message, name: str) -> list[str]:
    """Each address of a To/Cc/Reply-To header as ``Name <addr>``, the name kept.

    Split before the names are decoded (a decoded name may hold a comma), and a
    name with specials quoted, so that the text parses back to the same pairs.
    """
    found = []
    for display, addr in address_pairs([str(v) for v in msg.get_all(name, [])]):
        display = decoded(display)
        if not addr:
            continue
        if _SPECIALS.search(display):
            display = '"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"'
        found.append(f"{display} <{addr}>" if display else addr)
    return found


def address_pairs(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs of address headers, read as far as ``MAX_ADDRESS_TEXT``
    (the parser's cost grows with the text); comments nested too deep for the
    parser (it recurses per level) leave the bare ``<address>`` forms."""
    text = ", ".join(values)
    if len(text) > MAX_ADDRESS_TEXT:
        text = text[:text.rfind(",", 0, MAX_ADDRESS_TEXT) + 1 or MAX_ADDRESS_TEXT]
    try:
        return getaddresses([text])
    except RecursionError:
        return [("", addr) for addr in _BARE_ADDRESS.findall(text)]


def author(text: str) -> tuple[str, str]:
    """(name, address) of a From header, bounded as ``address_pairs`` is."""
    try:
        return parseaddr(text[:MAX_ADDRESS_TEXT])
    except RecursionError:
        return "", next(iter(_BARE_ADDRESS.findall(text)), "")


def message_ids(value: str) -> list[str]:
    """All ``<id>`` tokens of a Message-ID / In-Reply-To / References header."""
    found = _MSGID.findall(value)
    if not found and value.strip():
        found = [value.strip().strip("<>")]
    return found


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Bytes to text the forgiving way mail clients do it."""
    for candidate in (charset, "utf-8"):
        if not candidate or candidate.lower() in _NOT_MAIL_CHARSETS:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, ValueError):  # unknown, not a text codec, or bad bytes
            continue
    return payload.decode("latin-1")


def body_text(msg: email.message.Message) -> str:
    """The readable text of a mail: inline text and attached patches, in order."""
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in _TEXT_PARTS and not (
            ctype == "application/octet-stream"
            and (part.get_filename() or "").endswith((".patch", ".diff"))
        ):
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        parts.append(decode_bytes(payload, part.get_content_charset()))
    text = "\n".join(parts)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_message(raw: bytes | email.message.Message,
                  with_body: bool = True) -> tuple[Message, email.message.Message]:
    """A `Message` plus the parsed mail object (for callers needing more headers);
    ``with_body=False`` reads the headers of raw bytes only, ten times faster."""
    try:
        if isinstance(raw, email.message.Message):
            msg = raw
        elif with_body:
            msg = email.message_from_bytes(raw)
        else:
            msg = email.parser.BytesHeaderParser().parsebytes(raw)
        body = body_text(msg) if with_body else ""
    except RecursionError:  # a backstop: inputs are checked with limits.check_mail_shape
        raise InputError("a mail nests its MIME parts too deeply to read") from None
    name, addr = author(header_text(msg, "From"))
    ids = message_ids(header_text(msg, "Message-ID"))
    reply_to = message_ids(header_text(msg, "In-Reply-To"))
    message = Message(
        message_id=ids[0] if ids else "",
        subject=header_text(msg, "Subject"),
        author_name=name,
        author_email=addr,
        date=header_text(msg, "Date"),
        in_reply_to=reply_to[0] if reply_to else None,
        references=message_ids(header_text(msg, "References")),
        to=addresses(msg, "To"),
        cc=addresses(msg, "Cc"),
        reply_to=addresses(msg, "Reply-To"),
        body=body,
    )
    return message, msg
