"""``lorebot watch``: review what is new on lore since the last run, once each.

Each run searches lore for messages received since the last run (``rt:``, with
an overlap so nothing falls between runs) that match the configured queries
and lists, takes the thread of every new patch once, and for each complete
revision not yet reviewed: claims it in the store, reviews it, delivers the
replies, and marks it done. A file lock keeps runs on one host from
overlapping; the store's claims keep workers sharing a PostgreSQL database
apart. A run killed at any point leaves a claim, never a result: the next run
reviews that revision again, and the delivery records keep it from replying
twice to the same patch. A thread that fails on the network (lore, the mail
server) is retried by the next runs, up to ``max_attempts``; a revision that
cannot be reviewed (a hunk that does not apply) is recorded as failed, once.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import BusyError, InputError, LorebotError, NetworkError, NotFoundError
from bot.store import Store

KNOWN_KEYS = {
    "lore": {"midmask", "queries", "lists", "overlap_minutes", "first_run_days"},
    "review": {"repo", "tree", "rules"},
    "deliver": {"outbox", "from", "cc_list", "smtp"},
    "store": {"db", "stale_minutes", "max_attempts", "lock"},
}


@dataclass
class WatchConfig:
    queries: list[str]
    midmask: str | None = None
    overlap_minutes: float = 60.0
    first_run_days: float = 3.0
    repo: Path | None = None
    tree: Path | None = None
    rules: list[Path] = field(default_factory=list)
    outbox: Path = Path("outbox")
    sender: str = "lorebot <lorebot@localhost>"
    cc_original: bool = True
    smtp: object | None = None  # bot.deliver.SmtpSettings
    db: str | None = None
    stale_minutes: float = 30.0
    max_attempts: int = 5
    lock: Path | None = None


def _check_keys(path: Path, data: dict) -> None:
    """A misspelt key would silently change what is watched: refuse it."""
    for section, value in data.items():
        if section not in KNOWN_KEYS or not isinstance(value, dict):
            raise InputError(f"{path}: unknown section [{section}] "
                             f"(known: {', '.join(sorted(KNOWN_KEYS))})")
        unknown = sorted(set(value) - KNOWN_KEYS[section])
        if unknown:
            raise InputError(f"{path}: unknown key {unknown[0]!r} in [{section}]")


def load_config(path: Path) -> WatchConfig:
    """The watch configuration; relative paths in it are relative to the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
    _check_keys(path, data)
    lore, review, deliver, store = (data.get(k, {}) for k in KNOWN_KEYS)
    queries = list(lore.get("queries", [])) + [f"l:{name}" for name in lore.get("lists", [])]
    if not queries:
        raise InputError(f"{path}: [lore] needs queries = [...] or lists = [...]")
    if review.get("repo") and review.get("tree"):
        raise InputError(f"{path}: [review] takes repo or tree, not both")
    here = path.resolve().parent

    def local(value: str | None) -> Path | None:
        return None if not value else (here / value).resolve()

    smtp = None
    if "smtp" in deliver:
        from bot.deliver import SmtpSettings

        try:
            smtp = SmtpSettings(**deliver["smtp"])
        except TypeError as exc:
            raise InputError(f"{path}: [deliver.smtp]: {exc}") from None
    try:
        return WatchConfig(
            queries=queries, midmask=lore.get("midmask"),
            overlap_minutes=float(lore.get("overlap_minutes", 60)),
            first_run_days=float(lore.get("first_run_days", 3)),
            repo=local(review.get("repo")), tree=local(review.get("tree")),
            rules=[local(p) for p in review.get("rules", [])],
            outbox=local(deliver.get("outbox", "outbox")),
            sender=deliver.get("from", "lorebot <lorebot@localhost>"),
            cc_original=bool(deliver.get("cc_list", True)), smtp=smtp,
            db=store.get("db"), stale_minutes=float(store.get("stale_minutes", 30)),
            max_attempts=int(store.get("max_attempts", 5)), lock=local(store.get("lock")))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: {exc}") from None


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """One watch run at a time on this host (the lock dies with its process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BusyError(f"another lorebot watch holds {path}") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _rt(ts: float) -> str:
    """A time for lore's ``rt:`` (public-inbox reads it with git's approxidate)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_threads(config: WatchConfig, since: float, errors: list[str]) -> list[str]:
    """One patch Message-ID per thread holding patches lore received since ``since``;
    mails that cannot be read are named in ``errors``."""
    from liblore.utils import split_mbox_as_bytes

    from bot.source.limits import check_mime_nesting
    from bot.source.lore import _remote, lore_node
    from bot.source.mail import parse_message
    from bot.source.patchmail import looks_like_patch

    node = lore_node()
    by_root: dict[str, str] = {}
    for query in config.queries:
        full = f"({query}) AND rt:{_rt(since)}.."
        try:
            mbox = _remote(lambda q=full: node.get_mbox_by_query(q, nocache=True),
                           f"search {full!r}")
        except NotFoundError:
            continue  # lore answers 404 when nothing matches
        for raw in split_mbox_as_bytes(mbox):  # lore's separators, its body lines escaped
            try:  # one hostile mail must not hide the others
                check_mime_nesting(raw, f"a mail found by {full!r}")
                message = parse_message(raw)[0]
            except InputError as exc:
                errors.append(str(exc))
                continue
            if looks_like_patch(message):
                root = message.references[0] if message.references else message.message_id
                by_root.setdefault(root, message.message_id)
    return list(by_root.values())


@dataclass
class RunReport:
    """What one run did, for its output and exit status."""

    reviewed: list[str] = field(default_factory=list)
    skipped: int = 0
    waiting: list[str] = field(default_factory=list)  # incomplete revisions
    errors: list[str] = field(default_factory=list)


class Watcher:
    """One watch run: the configuration, the store, the rules, and what happened."""

    def __init__(self, config: WatchConfig, store: Store):
        from bot.checks import default_rules_dir, load_rules

        self.config = config
        self.store = store
        self.rules = load_rules([default_rules_dir(), *config.rules] if config.rules
                                else None)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.report = RunReport()

    def run(self, lock_path: Path) -> RunReport:
        from bot.source.lore import configure_midmask

        if self.config.midmask:
            configure_midmask(self.config.midmask)
        with run_lock(lock_path):
            started = time.time()
            last = self.store.get_state("last_run")
            since = (float(last) if last else started - self.config.first_run_days * 86400) \
                - self.config.overlap_minutes * 60
            threads = self.store.threads_to_retry()
            found = new_threads(self.config, since, self.report.errors)
            threads += [t for t in found if t not in threads]
            for msgid in threads:
                self.thread(msgid)
            self.store.set_state("last_run", str(started))
        return self.report

    def thread(self, msgid: str) -> None:
        """Review every complete, not yet reviewed revision in the thread of ``msgid``."""
        from bot.source.lore import thread_messages, with_previous_revision
        from bot.source.mail import parse_message
        from bot.source.thread import missing_text, read_thread

        try:
            _, mails = thread_messages(msgid, nocache=True)
            mails = with_previous_revision(mails)  # its review says what became of vN-1's
            thread = read_thread([parse_message(m)[0] for m in mails], f"lore <{msgid}>")
            for _, revision in sorted(thread.revisions.items()):
                if revision.missing():
                    self.report.waiting.append(f"<{msgid}>: {missing_text(revision)}")
                elif revision.patches:  # not a cover letter alone
                    self.revision(thread.series(revision))
        except NetworkError as exc:  # lore or the mail server: worth another try
            attempts = self.store.record_failure(msgid, str(exc))
            if attempts < self.config.max_attempts:
                self.report.errors.append(f"<{msgid}>: {exc} (will retry, attempt "
                                          f"{attempts} of {self.config.max_attempts})")
                return
            self.report.errors.append(f"<{msgid}>: {exc} (gave up after {attempts} attempts)")
        except LorebotError as exc:
            self.report.errors.append(f"<{msgid}>: {exc}")
        except Exception as exc:  # a bug of ours must not keep the other series waiting
            self.report.errors.append(f"<{msgid}>: internal error: "
                                      f"{type(exc).__name__}: {exc}")
        self.store.forget_failure(msgid)

    def revision(self, series) -> None:
        """Claim, review, deliver and record one revision of a series."""
        key = (series.message_id, series.version)
        # SQLite lives on this host, under the run lock: a claim found now is a dead run's.
        stale = self.config.stale_minutes * 60 if self.store.postgres else 0.0
        if not self.store.claim(*key, series.subject, self.worker, stale):  # done or taken
            self.report.skipped += 1
            return
        try:
            review = self.review(series)
        except Exception as exc:  # the series cannot be reviewed here: say so once
            reason = str(exc) if isinstance(exc, LorebotError) else \
                f"internal error: {type(exc).__name__}: {exc}"
            self.store.finish(*key, {"error": reason, "subject": series.subject},
                              status="failed")
            self.report.errors.append(f"<{key[0]}> v{key[1]}: {reason}")
            return
        try:
            sent = self.deliver(review, key)
        except Exception:
            self.store.release(*key, self.worker)  # the next run delivers what is left
            raise
        counts = review.counts()
        since = {"since_previous": review.since_previous.counts()} \
            if review.since_previous else {}
        self.store.finish(*key, {**counts, "replies": sent, "subject": series.subject,
                                 **since}, findings=[asdict(f) for f in review.findings])
        self.report.reviewed.append(f"<{key[0]}> v{key[1]}: {counts['error']} error, "
                                    f"{counts['warning']} warning, replies: {sent}")

    def review(self, series):
        from bot.request import Request, review_request
        from bot.series import Finding

        remembered = None
        if series.previous is not None:  # what the store remembers of vN-1's review
            found = self.store.findings(series.previous.message_id, series.previous.version)
            remembered = None if found is None else [Finding.from_dict(f) for f in found]
        return review_request(Request(series=series, repo=self.config.repo,
                                      tree=self.config.tree, previous_findings=remembered),
                              self.rules)

    def deliver(self, review, key: tuple[str, int]) -> int:
        """Write each reply to the outbox and send it by SMTP, each at most once per patch."""
        from bot.deliver import outbox_name, send_smtp, write_outbox
        from bot.report.email import EmailSettings, reply_messages

        settings = EmailSettings(sender=self.config.sender,
                                 cc_original=self.config.cc_original)
        mails = reply_messages(review, settings)
        for number, mail in enumerate(mails, 1):
            target = mail["In-Reply-To"]
            if not self.store.delivered("outbox", target):
                write_outbox(self.config.outbox, outbox_name(*key, number), mail)
                self.store.record_delivery("outbox", target, *key)
            if self.config.smtp is not None and not self.store.delivered("smtp", target):
                send_smtp(self.config.smtp, mail)
                self.store.record_delivery("smtp", target, *key)
        return len(mails)
