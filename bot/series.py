"""The data every stage passes on: a series of patches and the findings about it.

Plain dataclasses, no behaviour beyond small derived views, so that sources,
checks and reports stay independent of each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.source.thread import Thread

@dataclass(frozen=True)
class Trailer:
    """One ``Name: value`` trailer of a commit log (Signed-off-by, Fixes, ...)."""

    name: str
    value: str
    line: int  # line in the commit message as `git log --format=%B` prints it (1 = subject)


@dataclass(frozen=True)
class ReplyTrailer:
    """A trailer a reviewer gave in a reply (``Reviewed-by: ...``), as b4 collects them."""

    name: str
    value: str
    by: str  # the address of the reply's sender
    message_id: str  # the reply that carries it


@dataclass
class CommitLog:
    """What a patch says about itself, above and below the ``---`` line."""

    subject: str  # the summary after the [PATCH ...] prefix
    body: str  # the log text between the subject and the trailers; starts on message line 3
    trailers: list[Trailer] = field(default_factory=list)
    notes: str = ""  # below '---' and above the diff: changelog, diffstat
    base_commit: str | None = None

    def trailer_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [t.value for t in self.trailers if t.name.lower() == wanted]


@dataclass(frozen=True)
class HunkLine:
    """One line of a hunk: ' ' context, '-' removed, '+' added."""

    kind: str
    text: str
    old_line: int | None
    new_line: int | None


@dataclass
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str  # the text after the second @@ (often the function name)
    lines: list[HunkLine] = field(default_factory=list)

    @property
    def added_lines(self) -> list[int]:
        return [ln.new_line for ln in self.lines if ln.kind == "+" and ln.new_line]

    @property
    def removed_lines(self) -> list[int]:
        return [ln.old_line for ln in self.lines if ln.kind == "-" and ln.old_line]


@dataclass
class FileDiff:
    """The change to one file, as the diff describes it."""

    old_path: str | None  # None for a new file
    new_path: str | None  # None for a deleted file
    old_blob: str | None = None  # abbreviated id from the 'index' line
    new_blob: str | None = None
    binary: bool = False
    rename: bool = False
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The name reviewers use: the post-image path, or the old one if deleted."""
        return self.new_path or self.old_path or ""

    @property
    def is_c(self) -> bool:
        return self.path.endswith((".c", ".h"))


@dataclass
class Message:
    """A mail of the thread: cover letter, patch or reply."""

    message_id: str
    subject: str
    author_name: str
    author_email: str
    date: str
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)  # each "Name <addr>", as addresses() gives
    cc: list[str] = field(default_factory=list)
    body: str = ""
    reply_to: list[str] = field(default_factory=list)  # where the sender wants replies

    @property
    def author(self) -> str:
        if not self.author_name:
            return self.author_email
        return f"{self.author_name} <{self.author_email}>"


@dataclass(frozen=True)
class Prefix:
    """The parsed ``[RFC PATCH v2 3/7]`` part of a subject."""

    version: int = 1
    index: int = 1
    total: int = 1
    rfc: bool = False
    tags: tuple[str, ...] = ()  # every word of the prefix, for the shape check
    present: bool = False  # False for a subject without any [...] prefix


@dataclass
class Patch:
    """One patch of a series: its mail, its log and its diff."""

    message: Message
    prefix: Prefix
    log: CommitLog
    files: list[FileDiff] = field(default_factory=list)
    diff_text: str = ""

    @property
    def index(self) -> int:
        return self.prefix.index

    @property
    def subject(self) -> str:
        return self.message.subject


@dataclass
class Series:
    """One revision of a patch series, with the thread around it."""

    version: int
    total: int
    patches: list[Patch]
    cover: Message | None = None
    replies: list[Message] = field(default_factory=list)
    versions_seen: list[int] = field(default_factory=list)
    source: str = ""  # where it came from: a path, a Message-ID, a range
    carried: dict[int, int] = field(default_factory=dict)  # partial reroll: index -> from vN
    reply_trailers: dict[int, list[ReplyTrailer]] = field(default_factory=dict)  # 0: cover
    thread: Thread | None = field(default=None, repr=False, compare=False)  # every revision

    @property
    def previous(self) -> Series | None:
        """The revision before this one as the thread holds it, with its replies
        (what ``since_previous`` compares with); None when the thread has none."""
        revision = self.thread.previous(self.version) if self.thread is not None else None
        return self.thread.series(revision) if revision is not None else None

    @property
    def message_id(self) -> str:
        """The series' identity: the cover letter's Message-ID, else its first own patch's."""
        if self.cover is not None:
            return self.cover.message_id
        own = [p for p in self.patches if p.index not in self.carried] or self.patches
        return own[0].message.message_id if own else ""

    @property
    def subject(self) -> str:
        if self.cover is not None:
            return self.cover.subject
        return self.patches[0].subject if self.patches else ""

    @property
    def base_commit(self) -> str | None:
        """The base the author stated: in a patch, or in the cover letter, where
        ``git format-patch --cover-letter --base`` writes it."""
        for patch in self.patches:
            if patch.log.base_commit:
                return patch.log.base_commit
        if self.cover is not None:
            from bot.source.patchmail import stated_base_commit

            return stated_base_commit(self.cover.body)
        return None


@dataclass(frozen=True)
class Location:
    """A place in the post-image (or pre-image) of a file, with what happens there."""

    file: str
    line: int
    note: str = ""


@dataclass
class Finding:
    """One thing a reviewer should know, with the evidence to check it."""

    rule: str
    severity: str
    message: str
    patch: int | None  # 1-based patch index; 0 for the cover letter; None for the series
    kind: str = ""
    file: str | None = None
    line: int | None = None
    function: str | None = None
    evidence: list[str] = field(default_factory=list)
    path: list[Location] = field(default_factory=list)  # witness path / trace
    status: str | None = None  # introduced | fixed | preexisting (None: no base known)
    image: str = "post"  # which image file/line refer to: "post" or "pre"

    @property
    def active(self) -> bool:
        """Whether the finding is still a problem after the patch (fixed ones are not)."""
        return self.status != "fixed"

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """A finding from its JSON object (as ``dataclasses.asdict`` wrote it)."""
        return cls(**{**data, "path": [Location(**step) for step in data.get("path", [])]})
