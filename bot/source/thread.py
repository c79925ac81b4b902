"""Turn the mails of a thread into one revision of a series.

Patches are grouped by revision; the newest complete revision is chosen unless
one is asked for, a partial reroll completed with the patches it leaves
unchanged. Replies stay as thread context. A missing patch is an error that
names its number: guessing around a hole would review the wrong code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import IncompleteSeriesError, InputError
from bot.series import Message, Patch, Series
from bot.source.patchmail import looks_like_patch, parse_patch, parse_prefix


@dataclass
class Revision:
    """The mails of one revision, by index (0 is the cover letter)."""

    version: int
    total: int = 0
    cover: Message | None = None
    patches: dict[int, Patch] = field(default_factory=dict)
    carried: dict[int, int] = field(default_factory=dict)  # index -> version it came from

    def missing(self) -> list[int]:
        return [i for i in range(1, self.total + 1) if i not in self.patches]

    def message_ids(self) -> set[str]:
        ids = {p.message.message_id for p in self.patches.values()}
        if self.cover:
            ids.add(self.cover.message_id)
        return ids


def _carry_partial_rerolls(revisions: dict[int, Revision]) -> None:
    """Fill a partial reroll's gaps with the patches of the revision it replies to.

    A partial reroll resends only the changed patches ("[PATCH v2 2/3]") as
    replies to the previous revision's mails, as b4 recognises it; the other
    patches stand unchanged. A revision whose own patches do not all reply into
    the previous one is left with its gaps: they are missing, not unchanged.
    """
    for version in sorted(revisions)[1:]:
        revision = revisions[version]
        previous = revisions[max(v for v in revisions if v < version)]
        if not revision.missing() or not revision.patches or previous.total != revision.total:
            continue
        earlier_ids = previous.message_ids()
        if not all(p.message.in_reply_to in earlier_ids for p in revision.patches.values()):
            continue
        for index in revision.missing():
            if index in previous.patches:
                revision.patches[index] = previous.patches[index]
                revision.carried[index] = previous.carried.get(index, previous.version)


def group_revisions(messages: list[Message]) -> tuple[dict[int, Revision], list[Message]]:
    """Revisions by version number, and the replies/other mails as context."""
    revisions: dict[int, Revision] = {}
    replies: list[Message] = []
    for message in messages:
        if not looks_like_patch(message):
            replies.append(message)
            continue
        prefix, _ = parse_prefix(message.subject)
        revision = revisions.setdefault(prefix.version, Revision(prefix.version))
        revision.total = max(revision.total, prefix.total)
        if prefix.index == 0:
            revision.cover = message
        else:
            revision.patches[prefix.index] = parse_patch(message)
    _carry_partial_rerolls(revisions)
    return revisions, replies


def missing_text(revision: Revision) -> str:
    numbers = ", ".join(f"{i}/{revision.total}" for i in revision.missing())
    return f"v{revision.version} is incomplete: patch {numbers} missing"


def select_revision(revisions: dict[int, Revision], version: int | None) -> Revision:
    """The revision asked for, or the newest complete one."""
    if not revisions:
        raise InputError("no patches found (no [PATCH] mail with a diff)")
    if version is not None:
        if version not in revisions:
            seen = ", ".join(f"v{v}" for v in sorted(revisions))
            raise InputError(f"no v{version} of the series here (found {seen})")
        chosen = revisions[version]
        if chosen.missing():
            raise IncompleteSeriesError(missing_text(chosen))
        return chosen
    complete = [r for r in revisions.values() if not r.missing() and r.patches]
    if not complete:
        newest = revisions[max(revisions)]
        raise IncompleteSeriesError(missing_text(newest))
    return max(complete, key=lambda r: r.version)


def series_from_messages(
    messages: list[Message], version: int | None = None, source: str = ""
) -> Series:
    """One revision of the series found in ``messages``."""
    revisions, replies = group_revisions(messages)
    return build_series(select_revision(revisions, version), revisions, replies, source)


def build_series(chosen: Revision, revisions: dict[int, Revision], replies: list[Message],
                 source: str = "") -> Series:
    """The ``Series`` of one grouped revision, with the replies that concern it."""
    ours = {p.message.message_id for p in chosen.patches.values()}
    if chosen.cover:
        ours.add(chosen.cover.message_id)
    context = [m for m in replies if m.in_reply_to in ours or ours.intersection(m.references)]
    return Series(
        version=chosen.version,
        total=chosen.total,
        patches=[chosen.patches[i] for i in sorted(chosen.patches)],
        cover=chosen.cover,
        replies=context,
        versions_seen=sorted(revisions),
        source=source,
        carried=dict(chosen.carried),
    )
