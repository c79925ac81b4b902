"""``--format email``: replies a maintainer could send as they are.

One plain-text reply per patch with findings (and one to the cover letter for
series-level findings), threaded under the patch, quoting the lines each finding
is about and writing the finding right below them, wrapped at 72 columns.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
import textwrap
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr

from bot import __version__
from bot.report.options import DEFAULT, RenderOptions
from bot.report.points import Point, points, worth_a_reply
from bot.report.quote import excerpt, log_quote
from bot.series import Finding, Message, Patch

WIDTH = 72
MAX_POINT_LINES = 20  # a point longer than this is cut; --verbose shows all of it
SHORT_PATH_TESTS = 2  # the branch decisions right before the exit; --verbose: all
STATUS_PREFIXES = ("Fixed by this patch: ", "Still there after the patch: ")
MESSAGE_PARTS = ("breaks: ", "situation: ")  # behaviour evidence the message already says


@dataclass
class EmailSettings:
    """Who the replies come from and go to."""

    sender: str = "lorebot <lorebot@localhost>"
    to_author: bool = True
    cc_original: bool = True  # Cc the original To and Cc (the lists)
    extra_cc: list[str] = field(default_factory=list)
    mail_clean_patches: bool = False  # --reply-on-pass: a short "no findings" reply too
    date: str | None = None  # fixed Date: for reproducible output (tests)
    verbose: bool = False  # every step of every trace instead of the short form


def _recipients(message: Message, settings: EmailSettings) -> tuple[str, str]:
    """To and Cc of a reply as b4's reply builder makes them, names kept.

    To is the Reply-To the sender asked for, else the sender; the original To
    and Cc (the lists) are copied to Cc; b4 drops repeats, and we drop our own
    address.
    """
    from bot.b4lib import b4

    me = parseaddr(settings.sender)[1].lower()
    to = getaddresses(message.reply_to or [message.author]) if settings.to_author else []
    cc = getaddresses((message.to + message.cc if settings.cc_original else [])
                      + settings.extra_cc)
    to, cc = b4.LoreMessage.make_reply_addrs([a for a in to if a[1]],
                                             [a for a in cc if a[1].lower() != me])
    return b4.format_addrs(to, clean=False), b4.format_addrs(cc, clean=False)


def _wrap(text: str, indent: str = "", hang: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent + (hang or ("  " if indent else "")),
                         break_on_hyphens=False, break_long_words=False) or [""]


def _status(finding: Finding) -> str:
    return " (introduced by this patch)" if finding.status == "introduced" else ""


def _steps(finding: Finding, verbose: bool) -> list[str]:
    """The witness path or model trace: in one paragraph, or a line per step."""
    steps = [s for s in finding.path if s.note and s.note != "exit"]
    if verbose:
        title = "Lines run:" if finding.kind == "behaviour" else "Path:"
        return ["  " + title] + [w for s in steps
                                 for w in _wrap(f"{s.line}: {s.note}", "    ")]
    if finding.kind == "behaviour":
        return []  # the message names the scenario and the cases it took
    said = "; ".join(_tests(steps[:-1])[-SHORT_PATH_TESTS:])
    return _wrap(f"Path: {said}.", "  ") if said else []


def _tests(steps: list) -> list[str]:
    """The branch decisions of a path; a test of a variable names the call that set it
    (``res = hv_do_hypercall() is true``, ``ret < 0 is true (ret = sensor_wait())``)."""
    calls: dict[str, str] = {}
    said = []
    for step in steps:
        if " = " in step.note:
            var, _, call = step.note.partition(" = ")
            calls[var] = call
            continue
        test, _, rest = step.note.partition(" is ")
        if rest and test in calls:
            shown = f"{test} = {calls[test]} is {rest}"
        else:
            used = [v for v in calls if rest and re.search(rf"(?<![\w.>]){re.escape(v)}\b",
                                                           test)]
            shown = step.note + (f" ({used[0]} = {calls[used[0]]})" if used else "")
        said.append(f"line {step.line}: {shown}")
    return said


def _evidence(finding: Finding, verbose: bool) -> list[str]:
    """Evidence lines: the log findings' are the quote above them unless --verbose."""
    if finding.path:  # a model's scenario and state; what breaks is in the message
        shown = [e for e in finding.evidence if not e.startswith(MESSAGE_PARTS)] \
            if verbose and finding.kind == "behaviour" else []
    else:
        shown = finding.evidence if verbose or finding.file is not None else []
    return [w for item in shown for w in _wrap(item, "  ")] + _steps(finding, verbose)


def point_text(point: Point, verbose: bool = False) -> list[str]:
    """One point: the leading finding, its evidence, the other rules' findings there."""
    lead = point.lead
    lines = _wrap(f"{lead.severity.capitalize()} [{lead.rule}]{_status(lead)}: "
                  f"{lead.message}")
    lines += _evidence(lead, verbose)
    others = point.findings[1:]
    for rule in dict.fromkeys(f.rule for f in others):
        mine = [f for f in others if f.rule == rule]
        for breaks in dict.fromkeys(_labelled(f, "breaks") for f in mine):
            alike = [f for f in mine if _labelled(f, "breaks") == breaks]
            if breaks and len(alike) > 1:  # one consequence, several situations
                lines += _wrap(f"Also [{rule}]: {breaks}", "  ")
                items = [_labelled(f, "situation") for f in alike]
            else:
                lines += _wrap(f"Also [{rule}]:", "  ")
                items = [f.message for f in alike]
            for item, finding in zip(items, alike, strict=True):
                lines += _wrap(f"- {item}", "  ", "  ")
                if verbose:
                    lines += [f"  {ln}" for ln in _evidence(finding, verbose)]
    if not verbose and len(lines) > MAX_POINT_LINES:
        cut = len(lines) - MAX_POINT_LINES + 1
        lines = lines[:MAX_POINT_LINES - 1] + [f"  [{cut} more lines with --verbose]"]
    return lines


def _labelled(finding: Finding, label: str) -> str:
    """The value of a ``label: value`` evidence line (behaviour findings have
    ``breaks:`` and ``situation:``), or ""."""
    return next((item.partition(": ")[2] for item in finding.evidence
                 if item.startswith(label + ": ")), "")


def _gist(message: str, limit: int = 90) -> str:
    """The first clause of a message, for a one-line mention of what was fixed."""
    for prefix in STATUS_PREFIXES:
        message = message.removeprefix(prefix)
    clause = message.removeprefix("in ").split(": ")[0].split(". ")[0].split(", when ")[0]
    clause = clause.rstrip(".")
    if clause[1:2].islower():  # in the middle of a sentence: "the MSI stays masked"
        clause = clause[0].lower() + clause[1:]
    return clause if len(clause) <= limit else clause[:limit - 3].rstrip() + "..."


def _fixed_text(fixed: list[Point], verbose: bool) -> list[str]:
    """What the patch fixed, in a sentence (one line per point with --verbose)."""
    if verbose:
        return ["Fixed by this patch:"] + [
            w for p in fixed for w in _wrap(f"- [{', '.join(p.rules)}] {p.lead.message}",
                                            "  ", "  ")]
    said = "; ".join(f"{_gist(p.lead.message)} [{', '.join(p.rules)}]" for p in fixed)
    return _wrap(f"Fixed by this patch: {said}.")


def _since_text(review, patch: Patch | None) -> list[str]:
    """What is left of the previous round's review on this patch: points still
    open or unclear, changelog claims with no matching change, trailers dropped
    from an unchanged patch."""
    since = review.since_previous
    if since is None or patch is None:
        return []
    items = [f"{c.verdict.status}: {parseaddr(c.point.author)[0] or c.point.author}'s "
             f"point on {c.point.target.place()}: "
             f"{c.verdict.evidence}." for c in since.comments
             if c.point.target.patch == patch.index and c.verdict.status != "addressed"]
    items += [f'the changelog says "{textwrap.shorten(c.text, 70, placeholder=" ...")}", '
              "but nothing it names changed." for c in since.changelog
              if c.status == "unmatched" and c.patch in (0, patch.index)]
    items += [f"{t.trailer} is {t.note}." for t in since.trailers
              if t.patch == patch.index and not t.carried and not t.patch_changed]
    if not items:
        return []
    return [f"Since v{since.revision}:"] + [w for item in items
                                            for w in _wrap(f"- {item}", "", "  ")]


def body_for(patch: Patch | None, message: Message, findings: list[Finding], review,
             verbose: bool = False) -> str:
    """The reply's text: attribution, quoted excerpts with points under them, footer."""
    who = message.author_name or message.author_email
    out = [f"On {message.date}, {who} wrote:" if message.date else f"{who} wrote:", ""]
    images = None
    if patch is not None and review.images is not None:
        images = review.images[review.series.patches.index(patch)]
    said = points([f for f in findings if worth_a_reply(f)])
    log = [p for p in said if p.lead.file is None]
    code = sorted((p for p in said if p.lead.file is not None and p.lead.line is not None),
                  key=lambda p: (p.lead.file or "", p.lead.line or 0))
    overall = [p for p in said if p.lead.file is not None and p.lead.line is None]
    if log:
        quote = log_quote(patch, [p.lead.line for p in log]) if patch is not None \
            else [f"> {message.subject}"]
        out += quote + [""]
        for point in log:  # remarks on one quoted log: no blank line between them
            out += point_text(point, verbose)
        out.append("")
    last_quote: list[str] | None = None
    placed = images.patch if images is not None and images.patch is not None else patch
    for point in code:  # quoted from the hunks where they applied: the findings' lines
        quote = excerpt(placed, point.lead, images) if patch is not None \
            else [f"> {message.subject}"]
        if quote != last_quote:
            out += quote + [""]
            last_quote = quote
        out += point_text(point, verbose) + [""]
    for point in overall:
        out += point_text(point, verbose) + [""]
    since = _since_text(review, patch)
    if since and said:
        out += since + [""]
    fixed = points([f for f in findings if not f.active])
    if fixed and said:
        out += _fixed_text(fixed, verbose) + [""]
    if not said:
        out += ["lorebot found no problems in this patch"
                + (f" ({len(fixed)} fixed)." if fixed else "."), ""]
    moved = [m for m in review.moved_hunks() if patch is not None and m.patch == patch.index]
    if moved:
        out += _wrap("The diff's line numbers are off here; the line numbers above are "
                     "the file's:")
        out += [w for m in moved for w in _wrap(f"- {m.describe()}", "  ")] + [""]
    packs = sorted({r.pack.name for r in review.rules})
    out += ["-- ", f"lorebot {__version__}, an automated review"
            + (f" (rule packs: {', '.join(packs)})." if packs else "."),
            *_wrap(f"Base: {review.base or 'none (commit-log rules only)'}"),
            f"Reproduce: lorebot review {message.message_id}"]
    return "\n".join(out) + "\n"


def _reply(message: Message, body: str, settings: EmailSettings) -> EmailMessage:
    mail = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    to, cc = _recipients(message, settings)
    subject = message.subject
    mail["From"] = settings.sender
    if to:
        mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    mail["Date"] = settings.date or formatdate(localtime=True)  # the zone, not -0000
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
    """One reply per patch with a warning or error left, and one for the series' own.

    A patch with nothing left to fix gets no mail unless ``mail_clean_patches``
    (``--reply-on-pass``) asks for a short one; carried-over patches get none.
    """
    settings = settings or EmailSettings()
    series = review.series
    replies = []
    general = [f for f in review.findings if f.patch in (None, 0)]
    if any(worth_a_reply(f) for f in general) and (series.cover or series.patches):
        target = series.cover or series.patches[0].message
        replies.append(_reply(target, body_for(None, target, general, review,
                                               settings.verbose), settings))
    for patch in series.patches:
        mine = [f for f in review.findings if f.patch == patch.index]
        wanted = any(worth_a_reply(f) for f in mine) or (
            settings.mail_clean_patches and patch.index not in series.carried)
        if wanted:
            replies.append(_reply(patch.message, body_for(patch, patch.message, mine, review,
                                                          settings.verbose), settings))
    return replies


def render(review, options: RenderOptions = DEFAULT) -> str:
    """The replies as an mbox, ready for ``git send-email`` or a mail client."""
    settings = EmailSettings(mail_clean_patches=options.reply_on_pass,
                             verbose=options.verbose)
    parts = []
    for mail in reply_messages(review, settings):
        text = mail.as_string(policy=mail.policy.clone(linesep="\n"))
        text = "\n".join((">" + ln if ln.startswith("From ") else ln)
                         for ln in text.split("\n"))
        parts.append(f"From lorebot Thu Jan  1 00:00:00 1970\n{text.rstrip()}\n\n")
    return "".join(parts)
