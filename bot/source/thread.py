"""Turn the mails of a thread into the revisions of a series, with b4's LoreMailbox.

b4 decides what each mail is (cover letter, patch, follow-up), which revision a
patch belongs to (``[PATCHv3]``, a version inferred from the cover letter), which
revision is a partial reroll of the previous one, and which trailers reviewers
gave in their replies. Our own decoding (`bot.source.mail`) stays the source of
every text: b4 sees a bounded view of each decoded mail (see `_b4_view`), and
the patches it places are parsed by `bot.source.patchmail`.

The newest complete revision is chosen unless one is asked for. A missing patch
is an error that names its number: guessing around a hole would review the
wrong code.
"""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from bot.errors import IncompleteSeriesError, InputError
from bot.series import Message, Patch, ReplyTrailer, Series
from bot.source.patchmail import lore_subject, parse_patch, split_body, subject_problem

# b4's grouping costs about revisions^2 x replies-with-trailers x reply depth in the
# worst case (each partial reroll re-reads the revision before it, and every
# re-read walks every reply up to its patch), so each factor has a bound.
MAX_REVISIONS = 32
MAX_REPLY_DEPTH = 32
MAX_TRAILER_MAILS = 512  # replies whose trailers b4 gets to read
MAX_TRAILER_LINES = 32  # trailer-like lines of one mail that b4 gets to read
MAX_TRAILER_LINE = 256
MAX_REFERENCES = 16
MAX_MISSING_NAMED = 10

_TRAILER_LIKE = re.compile(r"^\s*\w[^\s:]*:\s+\S")
_DIFFSTAT_LIKE = re.compile(r"^\s*\d+ files? changed")
_HUNK = re.compile(r"^@@ -\d+(?:,(\d{1,9}))? \+\d+(?:,(\d{1,9}))? @@")


@dataclass
class Revision:
    """The mails of one revision, by index (0 is the cover letter)."""

    version: int
    total: int = 0
    cover: Message | None = None
    patches: dict[int, Patch] = field(default_factory=dict)
    carried: dict[int, int] = field(default_factory=dict)  # index -> version it came from
    trailers: dict[int, list[ReplyTrailer]] = field(default_factory=dict)  # given in replies

    def missing(self) -> list[int]:
        return [i for i in range(1, self.total + 1) if i not in self.patches]

    def message_ids(self) -> set[str]:
        ids = {p.message.message_id for p in self.patches.values()}
        if self.cover:
            ids.add(self.cover.message_id)
        return ids


@dataclass
class Thread:
    """Every revision found in a thread, and the mails that are not patches.

    ``others`` holds replies and unrelated mails; ``ignored`` says which mails
    were not read as patches because their subject is past our bounds.
    """

    revisions: dict[int, Revision] = field(default_factory=dict)
    others: list[Message] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    source: str = ""

    def select(self, version: int | None = None) -> Revision:
        """The revision asked for, or the newest complete one."""
        if not any(r.patches for r in self.revisions.values()):
            why = f"; not read as patches: {'; '.join(self.ignored[:3])}" if self.ignored else ""
            raise InputError(f"no patches found (no [PATCH] mail with a diff){why}")
        if version is not None:
            if version not in self.revisions:
                seen = ", ".join(f"v{v}" for v in sorted(self.revisions))
                raise InputError(f"no v{version} of the series here (found {seen})")
            chosen = self.revisions[version]
            if chosen.missing():
                raise IncompleteSeriesError(missing_text(chosen))
            return chosen
        complete = [r for r in self.revisions.values() if not r.missing() and r.patches]
        if not complete:
            raise IncompleteSeriesError(missing_text(self.revisions[max(self.revisions)]))
        return max(complete, key=lambda r: r.version)

    def previous(self, version: int) -> Revision | None:
        """The newest revision before ``version`` that has patches (vN-1 as posted)."""
        older = [v for v, r in self.revisions.items() if v < version and r.patches]
        return self.revisions[max(older)] if older else None

    def replies_to(self, *message_ids: str) -> list[Message]:
        """Every mail below these in the thread (replies to replies too), in order.

        A mail is below another when it names it in In-Reply-To or References,
        or replies to a mail that is.
        """
        below = set(message_ids)
        children: dict[str, list[Message]] = {}
        for mail in self.others:
            for parent in {mail.in_reply_to, *mail.references} - {None, mail.message_id}:
                children.setdefault(parent, []).append(mail)
        found: dict[int, Message] = {}
        todo = list(below)
        while todo:
            for mail in children.get(todo.pop(), []):
                if id(mail) not in found:
                    found[id(mail)] = mail
                    if mail.message_id and mail.message_id not in below:
                        below.add(mail.message_id)
                        todo.append(mail.message_id)
        return [m for m in self.others if id(m) in found]

    def series(self, revision: Revision) -> Series:
        """The ``Series`` of one revision, with the replies that concern it."""
        context = self.replies_to(*revision.message_ids())
        return Series(
            version=revision.version,
            total=revision.total,
            patches=[revision.patches[i] for i in sorted(revision.patches)],
            cover=revision.cover,
            replies=context,
            versions_seen=sorted(self.revisions),
            source=self.source,
            carried=dict(revision.carried),
            reply_trailers={i: list(t) for i, t in revision.trailers.items()},
            thread=self,
        )


def missing_text(revision: Revision) -> str:
    missing = revision.missing()
    numbers = ", ".join(f"{i}/{revision.total}" for i in missing[:MAX_MISSING_NAMED])
    more = len(missing) - MAX_MISSING_NAMED
    if more > 0:
        numbers += f" and {more} more"
    return f"v{revision.version} is incomplete: patch {numbers} missing"


def series_from_messages(
    messages: list[Message], version: int | None = None, source: str = ""
) -> Series:
    """One revision of the series found in ``messages``."""
    thread = read_thread(messages, source)
    return thread.series(thread.select(version))


def read_thread(messages: list[Message], source: str = "") -> Thread:
    """Group the mails of a thread into revisions, as b4 groups them."""
    from bot.b4lib import b4

    thread = Thread(source=source)
    by_id: dict[str, Message] = {}
    views: list[email.message.Message] = []
    patch_ids: dict[str, str] = {}
    parents = _acyclic_parents(messages)
    trailer_mails = 0
    with _quiet_offline_b4():
        found = b4.LoreMailbox()  # what each mail is; each revision is read from a fresh one
        for n, message in enumerate(messages):
            problem = subject_problem(message.subject)
            key = message.message_id or f"lorebot-no-id-{n}@localhost"
            if problem or key in by_id:
                if problem:
                    thread.ignored.append(f"<{message.message_id}>: {problem}")
                continue
            by_id[key] = message
            view, patch_ids[key] = _b4_view(message, key, parents.get(key),
                                            trailer_mails < MAX_TRAILER_MAILS)
            views.append(view)
            found.add_message(view)
            trailer_mails += bool(found.msgid_map[key].trailers)
        versions = sorted(set(found.series) | set(found.covers))
        if len(versions) > MAX_REVISIONS:
            raise InputError(f"the thread holds {len(versions)} revisions of a series "
                             f"(lorebot reads at most {MAX_REVISIONS})")
        origin = {lmsg.msgid: version for version, lser in found.series.items()
                  for lmsg in lser.patches if lmsg is not None}
        cover_of = {lmsg.msgid: version for version, lmsg in found.covers.items()}
        placed: set[str] = set()
        parsed: dict[str, Patch] = {}
        for version in versions:  # the last one may use the first mailbox, unread so far
            mailbox = _given_patch_ids(found, patch_ids) if version == versions[-1] else \
                _given_patch_ids(_mailbox(views), patch_ids)
            revision, keys = _revision(mailbox, version, by_id, origin, cover_of, parsed)
            revision.trailers = {i: t for i, t in revision.trailers.items() if t}
            thread.revisions[version] = revision
            placed |= keys
    in_revisions = {id(by_id[key]) for key in placed}
    thread.others = [m for m in messages if id(m) not in in_revisions]
    return thread


def _mailbox(views: list[email.message.Message]):
    """A new b4 mailbox: b4's get_series changes the mailbox (a second call on one
    revision files its cover letter twice), so every revision gets its own."""
    from bot.b4lib import b4

    mailbox = b4.LoreMailbox()
    for view in views:
        mailbox.add_message(view)
    return mailbox


def _given_patch_ids(mailbox, patch_ids: dict[str, str]):
    """The mailbox, each patch's patch-id given to b4 (`_patch_id`) before b4 asks for
    it: b4 would run one ``git patch-id`` per patch and mailbox."""
    for key, patch_id in patch_ids.items():
        lmsg = mailbox.msgid_map.get(key)
        if lmsg is not None and lmsg.has_diff:
            lmsg._git_patch_id = patch_id  # b4's cache of LoreMessage.git_patch_id
    return mailbox


def _revision(mailbox, version: int, by_id: dict[str, Message], origin: dict[str, int],
              cover_of: dict[str, int], parsed: dict[str, Patch]) -> tuple[Revision, set[str]]:
    """One of b4's series as our `Revision` and the mails it holds; patches parsed once.

    b4 also hands a partial reroll the earlier revision's cover letter; ours
    keeps only its own (``cover_of``: the revision each ``[PATCH 0/N]`` names).
    """
    lser = mailbox.series.get(version)
    if lser is not None:
        try:
            lser = mailbox.get_series(version, codereview_trailers=False) or lser
        except IndexError:  # b4's reroll lines up patch lists of different lengths
            lser = mailbox.series[version]
    if lser is None:  # a cover letter whose patches are all missing
        cover = mailbox.covers[version]
        return Revision(version, cover.expected, cover=by_id[cover.msgid]), {cover.msgid}
    revision = Revision(version, lser.expected)
    keys = set()
    for index, lmsg in enumerate(lser.patches):
        if lmsg is None:
            continue
        carried = lmsg.reroll_from_revision not in (None, version)
        if index == 0:
            if not carried and cover_of.get(lmsg.msgid, version) == version:  # its own
                revision.cover = by_id[lmsg.msgid]
                keys.add(lmsg.msgid)
                revision.trailers[0] = _trailers(lmsg)
            continue
        keys.add(lmsg.msgid)
        revision.trailers[index] = _trailers(lmsg)
        patch = parsed.get(lmsg.msgid)
        if patch is None:
            patch = parsed[lmsg.msgid] = parse_patch(by_id[lmsg.msgid])
        if patch.prefix.index != index:  # b4 moved a duplicate to the next free number
            patch = replace(patch, prefix=replace(patch.prefix, index=index))
        revision.patches[index] = patch
        if carried:
            revision.carried[index] = origin.get(lmsg.msgid, lmsg.reroll_from_revision)
    return revision, keys


def _trailers(lmsg) -> list[ReplyTrailer]:
    """The trailers reviewers gave this mail in replies (b4 may list one twice)."""
    found: dict[tuple[str, str, str], ReplyTrailer] = {}
    for ltr in lmsg.followup_trailers:
        by = ltr.lmsg.fromemail if ltr.lmsg is not None else ""
        msgid = ltr.lmsg.msgid if ltr.lmsg is not None else ""
        found.setdefault((ltr.name.lower(), ltr.value, by),
                         ReplyTrailer(ltr.name, ltr.value, by, msgid))
    return list(found.values())


@contextmanager
def _quiet_offline_b4():
    """No network from b4 while grouping, and no b4 log lines on our stderr."""
    from bot.b4lib import b4

    for name in ("b4", "liblore"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    was, b4.can_network = b4.can_network, False
    try:
        yield
    finally:
        b4.can_network = was


def _acyclic_parents(messages: list[Message]) -> dict[str, str]:
    """Each mail's In-Reply-To, cut where it would close a loop or pass the depth bound.

    b4 follows reply chains with no guard against loops (two mails naming each
    other as parent) and collects trailers on every level, so b4 only gets
    parent links that end at a root within ``MAX_REPLY_DEPTH`` levels.
    """
    parent = {m.message_id: m.in_reply_to for m in messages
              if m.message_id and m.in_reply_to and m.in_reply_to != m.message_id}
    depth: dict[str, int] = {}
    kept: dict[str, str] = {}
    for start in parent:
        chain, node = [], start
        while node in parent and node not in depth and node not in chain:
            chain.append(node)
            node = parent[node]
        base = depth.get(node, 0) if node not in chain else None
        for child in reversed(chain):
            if base is None or base >= MAX_REPLY_DEPTH:
                depth[child], base = 0, 0  # cut: this mail is a root for b4
                continue
            kept[child] = parent[child]
            base += 1
            depth[child] = base
    return kept


def _b4_view(message: Message, key: str, parent: str | None,
             trailers: bool) -> tuple[email.message.Message, str]:
    """What b4 gets of one decoded mail: headers, and a body bounded in what it costs;
    and the patch-id of its diff.

    b4's trailer search is quadratic in the body (24 KB of ``Key: value`` lines
    take a second), so b4 reads at most ``MAX_TRAILER_LINES`` trailer-like lines
    of a mail (plus the line after each, for wrapped trailers) and its diffstat
    line; a diff becomes one hashed line per diff line, which keeps what b4 needs
    of it (that there is a diff, and a patch-id that is equal when the change is)
    and nothing a trailer search could trip over.
    """
    view = email.message.Message()
    view["Message-ID"] = f"<{key}>"
    view["Subject"] = message.subject
    try:
        view["From"] = email.utils.formataddr((message.author_name, message.author_email))
    except UnicodeError:  # a non-ASCII address (SMTPUTF8), which formataddr refuses
        view["From"] = f"{message.author_name} <{message.author_email}>"
    if _date_ok(message.date):
        view["Date"] = message.date
    if parent:
        view["In-Reply-To"] = f"<{parent}>"
        refs = [r for r in message.references if r != parent][-MAX_REFERENCES:]
        view["References"] = " ".join(f"<{r}>" for r in [*refs, parent])
    log, notes, diff = split_body(message.body)
    text = _trailer_lines(log + "\n" + notes, MAX_TRAILER_LINES if trailers else 0)
    shape = ""
    if diff:
        shape = _hashed_diff(diff)
    elif _diffless_patch(message.subject):  # a patch all the same: its log is reviewed
        name = hashlib.sha1(key.encode()).hexdigest()[:16]
        shape = f"diff --git a/{name} b/{name}"
    if shape:
        text.append(shape)
    view["Content-Type"] = 'text/plain; charset="utf-8"'
    view["Content-Transfer-Encoding"] = "8bit"
    view.set_payload("\n".join(text) + "\n", "utf-8")
    return view, _patch_id(shape)


def _patch_id(shape: str) -> str:
    """The patch-id of a view's diff, as b4 uses it: equal for two patches when their
    views' diffs are equal file by file, in any order of files (``git patch-id
    --stable`` of the view says the same; the view's lines are already hashes, so
    hashing them again needs no git process)."""
    files = sorted(hashlib.sha1(part.strip("\n").encode()).hexdigest()
                   for part in shape.split("diff --git ") if part)
    return hashlib.sha1("".join(files).encode()).hexdigest()


def _diffless_patch(subject: str) -> bool:
    lsubject = lore_subject(subject)
    return (lsubject.patch or lsubject.rfc) and not lsubject.reply and lsubject.counter != 0


def _date_ok(date: str) -> bool:
    """b4 raises on dates it half-parses (31 Feb); those are left out of its view."""
    try:
        return bool(date) and email.utils.parsedate_to_datetime(date) is not None
    except (TypeError, ValueError, IndexError, OverflowError):
        return False


def _trailer_lines(text: str, limit: int) -> list[str]:
    """The diffstat line and up to ``limit`` trailer-like lines, each with its wrap."""
    lines = [line for line in text.split("\n")
             if len(line) <= MAX_TRAILER_LINE and not line.startswith(">")]
    kept: list[str] = []
    diffstat = False
    for n, line in enumerate(lines):
        if not diffstat and _DIFFSTAT_LIKE.match(line):
            diffstat = True
            kept.append(line)
        elif limit and _TRAILER_LIKE.match(line):
            limit -= 1
            wrapped = lines[n + 1] if n + 1 < len(lines) else ""
            kept.append(line)
            if wrapped.startswith(("<", "[")) or wrapped.rstrip().endswith(")"):
                kept.append(wrapped)
    return kept


def _hashed_diff(diff: str) -> str:
    """The shape of a diff with every name and line replaced by a short hash."""
    out = []
    for line in diff.split("\n"):
        digest = hashlib.sha1(line[1:].encode("utf-8", "replace")).hexdigest()[:16]
        if line.startswith("diff --git "):
            name = hashlib.sha1(line.encode("utf-8", "replace")).hexdigest()[:16]
            out.append(f"diff --git a/{name} b/{name}")
        elif line.startswith(("--- ", "+++ ")):
            out.append(f"{line[:3]} {'a' if line[0] == '-' else 'b'}/{digest}")
        elif line.startswith("@@"):
            hunk = _HUNK.match(line)
            old, new = (hunk.group(1) or "1", hunk.group(2) or "1") if hunk else ("1", "1")
            out.append(f"@@ -1,{old} +1,{new} @@")
        elif line[:1] in (" ", "+", "-"):
            out.append(f"{line[0]}{digest}")
    return "\n".join(out)
