"""What kind of patch this is, because that decides what its log must say.

A fix must say what goes wrong; a revert must say why; a feature, device-ID
addition, cleanup, conversion, treewide change or documentation patch says
what it does, and that is enough. The kind is read from what kernel people
read it from: the trailers (Fixes:, Cc: stable, Reported-by:), the subject,
the files and, for ID tables, the added lines; with no fix cue, a patch that
only adds a block of code is new behaviour. The cue lists are pack settings
(``log_kind_*`` in log-vocabulary.toml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.series import Patch

FIX, REVERT, DEVICE_ID, TREEWIDE, DOCS, CLEANUP, FEATURE, OTHER = (
    "fix", "revert", "device-id", "treewide", "docs", "cleanup", "feature", "other")
# kinds whose log only has to say what the patch does
SAYS_WHAT = frozenset({DEVICE_ID, TREEWIDE, DOCS, CLEANUP, FEATURE})

_DOC_FILE = re.compile(r"^(Documentation/|MAINTAINERS$|CREDITS$)|\.(rst|txt|yaml|md)$|"
                       r"(^|/)README[^/]*$")
_STABLE = re.compile(r"stable@(vger\.)?kernel\.org", re.I)


@dataclass(frozen=True)
class PatchKind:
    name: str
    reason: str  # what gave it away, for the finding's evidence

    @property
    def is_fix(self) -> bool:
        return self.name == FIX


@cache
def _words(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(" + "|".join(cues) + r")(?![\w-])", re.IGNORECASE)


def _cue(settings: dict, name: str) -> re.Pattern[str]:
    return _words(tuple(settings.get(name, ["(?!)"])))


def summary_phrase(subject: str) -> str:
    """The subject without its ``subsystem: driver:`` prefix."""
    return re.sub(r"^([\w./+,()-]+(?: [\w./+-]+)?: )+", "", subject)


def _added_lines(patch: Patch) -> list[str]:
    return [line.text for fd in patch.files for hunk in fd.hunks for line in hunk.lines
            if line.kind == "+" and line.text.strip()]


def _only_id_entries(patch: Patch, settings: dict) -> bool:
    """Every added line is an entry of a device ID table (USB_DEVICE(...), .compatible = ...)."""
    added = _added_lines(patch)
    removed = any(line.kind == "-" for fd in patch.files for h in fd.hunks for line in h.lines)
    entry = _cue(settings, "log_kind_id_entries")
    return bool(added) and not removed and all(
        entry.search(text) or text.strip() in ("},", "{", "}") or
        text.strip().startswith(("/*", "*", "//")) for text in added)


def _only_additions(patch: Patch) -> int:
    """How many lines the patch adds when it removes none (0 when it removes any):
    with no fix cue, a patch that only adds a block of code is new behaviour."""
    if any(line.kind == "-" for fd in patch.files for h in fd.hunks for line in h.lines):
        return 0
    return len(_added_lines(patch))


def patch_kind(patch: Patch, settings: dict) -> PatchKind:
    """The kind of ``patch``; ``settings`` are the packs' shared settings."""
    log = patch.log
    subject = summary_phrase(log.subject)
    text = log.subject + "\n" + log.body
    if log.subject.startswith('Revert "') or "This reverts commit" in log.body:
        return PatchKind(REVERT, "a revert")
    if (m := _cue(settings, "log_kind_treewide").search(text)) is not None:
        return PatchKind(TREEWIDE, f'"{m.group(0)}"')
    paths = [fd.path for fd in patch.files]
    if paths and all(_DOC_FILE.search(p) for p in paths):
        return PatchKind(DOCS, "only documentation files")
    if re.match(r"(Documentation|docs?|dt-bindings|MAINTAINERS)\b", log.subject, re.I):
        return PatchKind(DOCS, "a documentation subject")
    if _only_id_entries(patch, settings):
        return PatchKind(DEVICE_ID, "it only adds device ID table entries")
    if (m := _cue(settings, "log_kind_device_id").search(subject)) is not None:
        return PatchKind(DEVICE_ID, f'"{m.group(0)}" in the subject')
    if (m := _cue(settings, "log_kind_cleanup_words").search(subject)) is not None:
        return PatchKind(CLEANUP, f'"{m.group(0)}" in the subject')
    if log.trailer_values("Fixes"):
        return PatchKind(FIX, "it has a Fixes: tag")
    if any(_STABLE.search(t.value) for t in log.trailers if t.name.lower() == "cc"):
        return PatchKind(FIX, "it is Cc: stable")
    first = subject.split(" ", 1)[0]
    # a robot's report answered by a cleanup ("Factor out x", Reported-by: a build bot)
    if log.trailer_values("Reported-by") and not _cue(
            settings, "log_kind_cleanup_verbs").fullmatch(first):
        return PatchKind(FIX, "it has a Reported-by: tag")
    if (m := _cue(settings, "log_kind_fix_report").search(log.body)) is not None:
        return PatchKind(FIX, f'it quotes "{m.group(0)}"')
    if _cue(settings, "log_kind_no_change").search(log.body):
        return PatchKind(CLEANUP, "it says it does not change behaviour or prepares")
    if (m := _cue(settings, "log_kind_fix").search(subject)) is not None:
        return PatchKind(FIX, f'"{m.group(0)}" in the subject')
    if (m := _cue(settings, "log_kind_feature_words").search(subject)) is not None:
        return PatchKind(FEATURE, f'"{m.group(0)}" in the subject')
    if (n := _only_additions(patch)) >= int(settings.get("log_kind_feature_min_added", 40)):
        return PatchKind(FEATURE, f"it only adds code ({n} lines, none removed)")
    opening = log.body.lstrip().split(" ", 1)[0]
    for word, where in ((first, "the subject"), (opening, "the log")):
        if _cue(settings, "log_kind_cleanup_verbs").fullmatch(word):
            return PatchKind(CLEANUP, f'"{word}" starts {where}')
        if _cue(settings, "log_kind_feature_verbs").fullmatch(word):
            return PatchKind(FEATURE, f'"{word}" starts {where}')
    return PatchKind(OTHER, "no sign of its kind")
