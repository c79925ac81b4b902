"""``lorebot watch``: review what is new on lore since the last run, once each.

Each run searches lore for messages received since the last run (``rt:``, with
an overlap so nothing falls between runs) that match the configured queries
and lists, reading each answer only down to the mail the previous run read
first (``bot.source.lore_search``: lore sends the newest indexed first), asks
the store once which of the patches found belong to revisions already
reviewed, takes the thread of every other patch (and of every revision a dead
pass left claimed) once, and for each
complete revision not yet reviewed: claims it in the store, reviews it,
delivers the replies, and marks it done. Passes are kept apart by the store
alone (its lease on SQLite, its claims on PostgreSQL), whoever runs them. A run
killed at any point leaves a claim, never a result: the next run reviews that
revision again, and the delivery records keep it from replying twice to the
same patch. A thread that fails on the network (lore, the mail server) is
retried by the next runs, up to ``max_attempts``. Reading a thread and
reviewing each revision run in a child held to the time and memory budget
(``bot.budget``); a revision that cannot be reviewed (a hunk that does not
apply, a budget overrun) is recorded as failed with the reason, once, and the
pass goes on.
"""

from __future__ import annotations

import json
import os
import socket
import time
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from bot.budget import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, Budget, run_within
from bot.errors import (
    EXIT_BUDGET,
    EXIT_INTERNAL,
    EXIT_NETWORK,
    EXIT_OK,
    BusyError,
    InputError,
    LorebotError,
    NetworkError,
    NotFoundError,
)
from bot.store import Store, StoreError

KNOWN_KEYS = {
    "lore": {"midmask", "queries", "lists", "overlap_minutes", "first_run_days",
             "recheck_minutes"},
    "review": {"repo", "tree", "rules"},
    "deliver": {"outbox", "from", "cc_list", "smtp"},
    "store": {"db", "stale_minutes", "max_attempts"},
    "budget": {"seconds", "memory_mb"},
}


@dataclass
class WatchConfig:
    queries: list[str]
    midmask: str | None = None
    overlap_minutes: float = 60.0
    first_run_days: float = 3.0
    recheck_minutes: float = 10.0
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
    budget: Budget = field(default_factory=Budget)


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
    lore, review, deliver, store, budget = (data.get(k, {}) for k in KNOWN_KEYS)
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
            recheck_minutes=float(lore.get("recheck_minutes", 10)),
            repo=local(review.get("repo")), tree=local(review.get("tree")),
            rules=[local(p) for p in review.get("rules", [])],
            outbox=local(deliver.get("outbox", "outbox")),
            sender=deliver.get("from", "lorebot <lorebot@localhost>"),
            cc_original=bool(deliver.get("cc_list", True)), smtp=smtp,
            db=store.get("db"), stale_minutes=float(store.get("stale_minutes", 30)),
            max_attempts=int(store.get("max_attempts", 5)),
            budget=budget_from(budget, f"{path}: [budget]"))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: {exc}") from None


def budget_from(values: dict, where: str) -> Budget:
    """A budget from ``seconds`` and ``memory_mb`` (defaults for what is not given)."""
    budget = Budget(float(values.get("seconds", DEFAULT_SECONDS)),
                    int(values.get("memory_mb", DEFAULT_MEMORY_MB)))
    if not (budget.seconds > 0 and budget.memory_mb > 0):
        raise InputError(f"{where}: seconds and memory_mb must be more than 0")
    return budget


def _rt(ts: float) -> str:
    """A time for lore's ``rt:`` (public-inbox reads it with git's approxidate)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_threads(config: WatchConfig, since: float, report: RunReport, marks: dict[str, str],
                recheck_from: float | None) -> dict[str, list[str]]:
    """The patches lore received since ``since``, by thread (its root's Message-ID);
    mails that cannot be read are named in the ``report``. Each query's answer is
    read down to its mark in ``marks`` (the first mail the previous pass read of
    it), and recheck_from, when there was a previous pass; ``marks`` is updated."""
    from bot.source.limits import check_mail_shape
    from bot.source.lore import lore_node
    from bot.source.lore_search import Resume, digest, newest_first
    from bot.source.mail import parse_message
    from bot.source.patchmail import looks_like_patch, lore_subject, subject_problem

    node = lore_node()
    by_root: dict[str, list[str]] = {}
    for query in config.queries:
        full = f"({query}) AND rt:{_rt(since)}.."
        resume = Resume(marks[query], recheck_from) \
            if query in marks and recheck_from is not None else None
        try:
            mails = list(newest_first(node, full, resume, f"search {full!r}"))
        except NotFoundError:
            continue  # lore answers 404 when nothing matches
        if mails:
            marks[query] = digest(mails[0])
        report.read += len(mails)
        for raw in mails:
            try:  # one hostile mail must not hide the others; its headers are safe to read
                message = parse_message(raw, with_body=False)[0]  # headers decide most
                if not looks_like_patch(message) and not subject_problem(message.subject) \
                        and not lore_subject(message.subject).reply:
                    check_mail_shape(raw, f"a mail found by {full!r}")
                    message = parse_message(raw)[0]  # untagged: a diff makes it a patch
            except InputError as exc:
                report.fail(str(exc), exc)
                continue
            if looks_like_patch(message) and message.message_id:
                root = message.references[0] if message.references else message.message_id
                by_root.setdefault(root, []).append(message.message_id)
    return by_root


@dataclass
class RunReport:
    """What one run did, for its output and exit status."""

    reviewed: list[str] = field(default_factory=list)
    skipped: int = 0
    read: int = 0  # mails read from lore's search answers
    waiting: list[str] = field(default_factory=list)  # incomplete revisions
    errors: list[str] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)  # the exit codes of the errors

    def fail(self, text: str, exc: BaseException) -> None:
        self.errors.append(text)
        self.codes.add(exc.exit_code if isinstance(exc, LorebotError) else EXIT_INTERNAL)

    def exit_code(self) -> int:
        """0, else what most needs a look: lore or SMTP to be retried (4), a bug of
        ours (70), a budget overrun (7), then any other failure."""
        for code in (EXIT_NETWORK, EXIT_INTERNAL, EXIT_BUDGET):
            if code in self.codes:
                return code
        return min(self.codes, default=EXIT_OK)


class Watcher:
    """One watch run: the configuration, the store, the rules, and what happened."""

    def __init__(self, config: WatchConfig, store: Store):
        self.config = config
        self.store = store
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.report = RunReport()

    @cached_property
    def rules(self) -> list:
        """Loaded once, in this process, when a first revision needs them, and warmed
        up: what a first review loads lazily (word lists, patterns, modules) is then
        inherited by every review child instead of being loaded again in each."""
        from bot.checks import chosen_rules
        from bot.warmup import warm_up

        rules = chosen_rules(self.config.rules)
        warm_up(rules)
        return rules

    def run(self) -> RunReport:
        from bot.source.lore import configure_midmask

        if self.config.midmask:
            configure_midmask(self.config.midmask)
        with self.store.pass_lease(self.worker, self.config.stale_minutes * 60):
            started = time.time()
            last = self.store.get_state("last_run")
            since = (float(last) if last else started - self.config.first_run_days * 86400) \
                - self.config.overlap_minutes * 60
            recheck_from = float(last) - self.config.recheck_minutes * 60 if last else None
            marks = json.loads(self.store.get_state("search_marks") or "{}")
            threads = self.store.threads_to_retry()
            threads += [i for i in self.store.unfinished() if i not in threads]
            found = new_threads(self.config, since, self.report, marks, recheck_from)
            handled = self.store.handled(i for ids in found.values() for i in ids)
            for ids in found.values():
                if all(i in handled for i in ids):  # every patch of it reviewed already
                    self.report.skipped += 1
                elif ids[0] not in threads:
                    threads.append(ids[0])
            if threads:
                _ = self.rules  # loaded and warmed up here, once: every child inherits them
            for msgid in threads:
                self.thread(msgid)
            self.store.set_state("search_marks", json.dumps(marks, sort_keys=True))
            self.store.set_state("last_run", str(started))
        return self.report

    def thread(self, msgid: str) -> None:
        """Review every complete, not yet reviewed revision in the thread of ``msgid``."""
        from bot.source.lore import thread_messages

        mails: list = []
        try:
            _, mails = thread_messages(msgid, nocache=True)
            revisions = run_within(self.config.budget, thread_revisions, mails, msgid,
                                   while_waiting=self.store.still_ours)
        except NetworkError as exc:
            self._retry_later(msgid, exc)
            return
        except (BusyError, StoreError):  # the store, not the thread: the pass ends
            raise
        except Exception as exc:  # hostile, or a bug of ours: once, the others go on
            self.report.fail(f"<{msgid}>: {_reason(exc)}", exc)
            self._unreadable(msgid, mails, _reason(exc))
            self.store.forget_failure(msgid)
            return
        try:
            for revision in revisions:
                if isinstance(revision, str):
                    self.report.waiting.append(f"<{msgid}>: {revision}")
                else:
                    self.revision(revision)
        except NetworkError as exc:  # the mail server: the next pass delivers the rest
            self._retry_later(msgid, exc)
            return
        except (BusyError, StoreError):
            raise
        except Exception as exc:  # the outbox, or a bug of ours: the others go on, and
            self._retry_later(msgid, exc)  # later passes try again (lore is not
            return  # asked for this thread again otherwise: see new_threads)
        self.store.forget_failure(msgid)

    def _retry_later(self, msgid: str, exc: Exception) -> None:
        """Worth another try in a later pass, up to ``max_attempts``."""
        reason = _reason(exc)
        attempts = self.store.record_failure(msgid, reason)
        if attempts < self.config.max_attempts:
            self.report.fail(f"<{msgid}>: {reason} (will retry, attempt "
                             f"{attempts} of {self.config.max_attempts})", exc)
            return
        self.report.fail(f"<{msgid}>: {reason} (gave up after {attempts} attempts)", exc)
        self.store.forget_failure(msgid)

    def _unreadable(self, msgid: str, mails: list, reason: str) -> None:
        """A thread that cannot be read is recorded as failed (revision 0), its mails
        handled, so later passes do not fetch it again."""
        if self.store.claim(msgid, 0, "(thread could not be read)", self.worker):
            ids = [str(m.get("Message-ID", "")).strip().strip("<>") for m in mails]
            self.store.finish(msgid, 0, {"error": reason}, status="failed",
                              mails=[msgid, *(i for i in ids if i)])

    def revision(self, series) -> None:
        """Claim, review, deliver and record one revision of a series."""
        key = (series.message_id, series.version)
        mails = [p.message.message_id for p in series.patches] + (
            [series.cover.message_id] if series.cover else [])
        if not self.store.claim(*key, series.subject, self.worker):  # done or taken
            self.report.skipped += 1
            return
        try:
            counts, replies, since, findings = run_within(  # rules: loaded once, here
                self.config.budget, self.reviewed, series, self.remembered(series), self.rules,
                while_waiting=self.store.still_ours)
        except (BusyError, StoreError):
            raise
        except Exception as exc:  # the series cannot be reviewed here: say so once
            reason = _reason(exc)
            self.store.finish(*key, {"error": reason, "subject": series.subject},
                              status="failed", mails=mails)
            self.report.fail(f"<{key[0]}> v{key[1]}: {reason}", exc)
            return
        try:
            self.deliver(replies, key)
        except Exception:
            self.store.release(*key, self.worker)  # the next run delivers what is left
            raise
        self.store.finish(*key, {**counts, "replies": len(replies), "subject": series.subject,
                                 **since}, findings=findings, mails=mails)
        self.report.reviewed.append(f"<{key[0]}> v{key[1]}: {counts['error']} error, "
                                    f"{counts['warning']} warning, replies: {len(replies)}")

    def remembered(self, series) -> list | None:
        """What the store remembers of vN-1's review (read here, in the parent)."""
        from bot.series import Finding

        if series.previous is None:
            return None
        found = self.store.findings(series.previous.message_id, series.previous.version)
        return None if found is None else [Finding.from_dict(f) for f in found]

    def review(self, series, remembered: list | None, rules: list):
        """The review of one revision; no store here: it runs in the budgeted child."""
        from bot.request import Request, review_request

        return review_request(Request(series=series, repo=self.config.repo,
                                      tree=self.config.tree, previous_findings=remembered),
                              rules)

    def reviewed(self, series, remembered: list | None, rules: list) -> tuple:
        """In the budgeted child: the review's counts, its reply mails, what became of
        vN-1's findings (counts) and its findings to remember."""
        from bot.report.email import EmailSettings, reply_messages

        review = self.review(series, remembered, rules)
        settings = EmailSettings(sender=self.config.sender,
                                 cc_original=self.config.cc_original)
        since = {"since_previous": review.since_previous.counts()} \
            if review.since_previous else {}
        return (review.counts(), reply_messages(review, settings), since,
                [asdict(f) for f in review.findings])

    def deliver(self, replies: list, key: tuple[str, int]) -> None:
        """Write each reply to the outbox and send it by SMTP, each at most once per patch."""
        from bot.deliver import outbox_name, send_smtp, write_outbox

        for number, mail in enumerate(replies, 1):
            target = mail["In-Reply-To"]
            if not self.store.delivered("outbox", target):
                write_outbox(self.config.outbox, outbox_name(*key, number), mail)
                self.store.record_delivery("outbox", target, *key)
            if self.config.smtp is not None and not self.store.delivered("smtp", target):
                self.store.still_ours()  # never a reply after another pass took over
                send_smtp(self.config.smtp, mail)
                self.store.record_delivery("smtp", target, *key)


def thread_revisions(mails: list, msgid: str) -> list:
    """In the budgeted child: each complete revision's ``Series``, or for one still
    missing a patch, the text saying which. The thread is completed first with the
    revision before its newest (lore is asked; what b4 parses of it is hostile too),
    so that its review says what became of vN-1's."""
    from bot.source.lore import with_previous_revision
    from bot.source.mail import parse_message
    from bot.source.thread import missing_text, read_thread

    mails = with_previous_revision(mails)
    thread = read_thread([parse_message(m)[0] for m in mails], f"lore <{msgid}>")
    found: list = []
    for _, revision in sorted(thread.revisions.items()):
        if revision.missing():
            found.append(missing_text(revision))
        elif revision.patches:  # not a cover letter alone
            found.append(thread.series(revision))
    return found


def _reason(exc: Exception) -> str:
    if isinstance(exc, LorebotError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"
