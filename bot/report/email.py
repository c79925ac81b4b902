"""``--format email``: replies a maintainer could send as they are.

One plain-text reply per patch with findings (and one to the cover letter for
series-level findings), threaded under the patch, quoting the lines each finding
is about and writing the finding right below them, wrapped at 72 columns.
"""

from __future__ import annotations

import email.policy
import hashlib
import textwrap
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from bot import __version__
from bot.report.quote import excerpt
from bot.series import Finding, Message, Patch

WIDTH = 72
MAX_PATH_STEPS = 8


@dataclass
class EmailSettings:
    """Who the replies come from and go to."""

    sender: str = "lorebot <lorebot@localhost>"
    to_author: bool = True
    cc_original: bool = True  # Cc the original To and Cc (the lists)
    extra_cc: list[str] = field(default_factory=list)
    mail_clean_patches: bool = False  # a reply saying "no findings" too
    date: str | None = None  # fixed Date: for reproducible output (tests)


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent + "  " if indent else "",
                         break_on_hyphens=False, break_long_words=False) or [""]


def _status(finding: Finding) -> str:
    return " (introduced by this patch)" if finding.status == "introduced" else ""


def finding_text(finding: Finding) -> list[str]:
    """The finding as a reviewer writes it under the quoted lines."""
    lines = _wrap(f"{finding.severity.capitalize()} [{finding.rule}]{_status(finding)}: "
                  f"{finding.message}")
    if finding.kind == "behaviour":
        lines += [""] + [wrapped for item in finding.evidence
                         for wrapped in _wrap(item, "  ")]
        steps = [s for s in finding.path if s.note and s.note != "exit"][-MAX_PATH_STEPS:]
        if steps:
            lines += ["", "  Lines run:"]
            lines += [w for s in steps for w in _wrap(f"{s.line}: {s.note}", "    ")]
    elif finding.path:
        steps = finding.path[-MAX_PATH_STEPS:]
        lines += ["", "  Path:"]
        lines += [w for s in steps for w in _wrap(f"line {s.line}: {s.note}", "    ")]
    elif finding.evidence:
        lines += [w for item in finding.evidence for w in _wrap(item, "  ")]
    return lines


def _recipients(message: Message, settings: EmailSettings) -> tuple[list[str], list[str]]:
    me = parseaddr(settings.sender)[1].lower()
    to = [message.author] if settings.to_author and message.author_email else []
    cc = (message.to + message.cc if settings.cc_original else []) + settings.extra_cc
    seen = {message.author_email.lower(), me}
    unique = []
    for addr in cc:
        if addr.lower() not in seen:
            seen.add(addr.lower())
            unique.append(addr)
    return to, unique


def body_for(patch: Patch | None, message: Message, findings: list[Finding], review) -> str:
    """The reply's text: attribution, quoted excerpts with findings under them, footer."""
    who = message.author_name or message.author_email
    out = [f"On {message.date}, {who} wrote:" if message.date else f"{who} wrote:", ""]
    images = None
    if patch is not None and review.images is not None:
        images = review.images[review.series.patches.index(patch)]
    active = [f for f in findings if f.active and not (f.file and f.line is None)]
    overall = [f for f in findings if f.active and f.file and f.line is None]
    fixed = [f for f in findings if not f.active]
    last_quote: list[str] | None = None
    for finding in sorted(active, key=lambda f: (f.file is not None, f.file or "",
                                                 f.line or 0, f.kind == "behaviour")):
        quote = excerpt(patch, finding, images) if patch is not None else [
            f"> {message.subject}"]
        if quote != last_quote:
            out += quote + [""]
            last_quote = quote
        out += finding_text(finding) + [""]
    for finding in overall:
        out += finding_text(finding) + [""]
    if fixed:
        out += _wrap("This version fixes what the previous code got wrong:")
        out += [w for f in fixed for w in _wrap(f"- [{f.rule}] {f.message}", "  ")] + [""]
    if not active and not fixed:
        out += ["lorebot found nothing to report on this patch.", ""]
    packs = sorted({r.pack.name for r in review.rules})
    out += ["-- ", f"lorebot {__version__}, an automated review"
            + (f" (rule packs: {', '.join(packs)})." if packs else "."),
            f"Reproduce: lorebot review {message.message_id}"]
    return "\n".join(out) + "\n"


def _reply(message: Message, body: str, settings: EmailSettings) -> EmailMessage:
    mail = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    to, cc = _recipients(message, settings)
    subject = message.subject
    mail["From"] = settings.sender
    if to:
        mail["To"] = ", ".join(to)
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    mail["Date"] = settings.date or formatdate(localtime=False)
    digest = hashlib.sha256((message.message_id + body).encode()).hexdigest()[:20]
    domain = parseaddr(settings.sender)[1].partition("@")[2] or "localhost"
    mail["Message-ID"] = f"<lorebot-{digest}@{domain}>"
    mail["In-Reply-To"] = f"<{message.message_id}>"
    mail["References"] = " ".join(f"<{r}>" for r in [*message.references,
                                                      message.message_id])
    mail["X-Mailer"] = f"lorebot {__version__}"
    mail.set_content(body, subtype="plain", charset="utf-8", cte="8bit")
    return mail


def reply_messages(review, settings: EmailSettings | None = None) -> list[EmailMessage]:
    """One reply per patch that has findings, and one for series-level findings."""
    settings = settings or EmailSettings()
    series = review.series
    replies = []
    general = [f for f in review.findings if f.patch in (None, 0)]
    if general and (series.cover or series.patches):
        target = series.cover or series.patches[0].message
        replies.append(_reply(target, body_for(None, target, general, review), settings))
    for patch in series.patches:
        mine = [f for f in review.findings if f.patch == patch.index]
        if not mine and not settings.mail_clean_patches:
            continue
        replies.append(_reply(patch.message, body_for(patch, patch.message, mine, review),
                              settings))
    return replies


def render(review) -> str:
    """The replies as an mbox, ready for ``git send-email`` or a mail client."""
    parts = []
    for mail in reply_messages(review):
        text = mail.as_string(policy=mail.policy.clone(linesep="\n"))
        text = "\n".join((">" + ln if ln.startswith("From ") else ln)
                         for ln in text.split("\n"))
        parts.append(f"From lorebot Thu Jan  1 00:00:00 1970\n{text.rstrip()}\n\n")
    return "".join(parts)
