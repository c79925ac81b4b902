"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning shows it.

Results are the findings still present after the series, located in the
post-image; witness paths and scenario traces become code flows. Findings the
series fixed are left out (they are not problems of the code under review) and
counted in the run's properties.

GitHub drops a result without a location and shows a rule by its
descriptions and help, so: every result has a file and a line. A finding about
the commit log is anchored to the first line the patch changes in the first
file it touches, and its message says it is about the log (with the log's
line); a finding about a whole file points at the first line the patch changes
there. Every result has a partial fingerprint that survives line moves (rule,
file, function, message without its numbers), so an alert stays the same alert
on the next revision.
"""

from __future__ import annotations

import hashlib
import json
import re

from bot import __version__
from bot.report.options import DEFAULT, RenderOptions
from bot.series import Finding, Patch

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "lorebotFinding/v1"
NO_FILE = "COMMIT_MSG"  # a patch touching no file at all (a log-only mail)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_NUMBER = re.compile(r"\d+")


def _location(file: str, line: int | None, note: str = "") -> dict:
    physical = {"artifactLocation": {"uri": file}, "region": {"startLine": line or 1}}
    location: dict = {"physicalLocation": physical}
    if note:
        location["message"] = {"text": note}
    return location


def _first_change(patch: Patch | None, path: str | None = None) -> tuple[str, int] | None:
    """(file, line) of the first line the patch changes, in ``path`` or its first file."""
    if patch is None:
        return None
    for file in patch.files:
        if file.new_path is None or (path is not None and file.path != path):
            continue
        for hunk in file.hunks:
            added = hunk.added_lines
            return file.path, added[0] if added else max(hunk.new_start, 1)
        return file.path, 1
    return None


class _Anchors:
    """Where results without a line of their own are shown."""

    def __init__(self, review):
        self.patches = {p.index: p for p in review.series.patches}
        self.first = review.series.patches[0] if review.series.patches else None

    def patch(self, finding: Finding) -> Patch | None:
        return self.patches.get(finding.patch or 0) or self.first

    def place(self, finding: Finding) -> tuple[str, int]:
        if finding.file:
            if finding.line:
                return finding.file, finding.line
            found = _first_change(self.patch(finding), finding.file)
            return finding.file, found[1] if found else 1
        patch = self.patch(finding)
        found = _first_change(patch) or next(
            (f for p in self.patches.values() if (f := _first_change(p))), None)
        return found or (NO_FILE, 1)

    def message(self, finding: Finding) -> str:
        if finding.file:
            return finding.message
        patch = self.patches.get(finding.patch or 0)
        where = (f"patch {patch.index}/{patch.prefix.total} (\"{patch.log.subject}\")"
                 if patch else "the series")
        line = f", line {finding.line}" if finding.line else ""
        return f"Commit message of {where}{line}: {finding.message}"


def _fingerprint(finding: Finding, file: str, seen: dict[str, int]) -> str:
    key = "\0".join([finding.rule, file, finding.function or "",
                     _NUMBER.sub("#", finding.message)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{digest}:{seen[digest]}"


def _result(finding: Finding, rule_index: dict[str, int], anchors: _Anchors,
            seen: dict[str, int]) -> dict:
    file, line = anchors.place(finding)
    result: dict = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": anchors.message(finding)},
        "locations": [_location(file, line)],
        "partialFingerprints": {FINGERPRINT: _fingerprint(finding, file, seen)},
        "properties": {"patch": finding.patch, "status": finding.status,
                       "function": finding.function, "evidence": finding.evidence,
                       "about": "file" if finding.file else "commit-message",
                       "commitMessageLine": None if finding.file else finding.line},
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.path:
        result["codeFlows"] = [{"threadFlows": [{"locations": [
            {"location": _location(step.file, step.line, step.note)} for step in finding.path
        ]}]}]
    return result


def _rule(rule) -> dict:
    """A rule as GitHub lists it: its pack's description, and help on what it reads."""
    description = rule.description or f"{rule.kind} rule {rule.id}"
    short = _SENTENCE_END.split(description, maxsplit=1)[0]
    reads = ("the commit message; its results are shown on the first line the patch "
             "changes" if rule.kind == "commit-log" else "the code the patch changes")
    examples = f"rules/{rule.pack.name}/examples/{rule.id}/"
    text = (f"{description}\n\nRule {rule.id} of lorebot's {rule.pack.name} pack "
            f"(kind {rule.kind}) reads {reads}. Examples it must and must not flag: "
            f"{examples} in lorebot's sources.")
    markdown = (f"{description}\n\nRule `{rule.id}` of lorebot's `{rule.pack.name}` pack "
                f"(kind `{rule.kind}`) reads {reads}. Examples it must and must not flag: "
                f"`{examples}` in lorebot's sources.")
    return {
        "id": rule.id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": description},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"kind": rule.kind, "pack": rule.pack.name,
                       "tags": [rule.pack.name, rule.kind]},
    }


def sarif_document(review) -> dict:
    rules = [_rule(rule) for rule in review.rules]
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    anchors, seen = _Anchors(review), {}
    results = [_result(f, index, anchors, seen) for f in review.findings if f.active]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lorebot", "version": __version__, "rules": rules}},
            "results": results,
            "properties": {
                "series": review.series.message_id,
                "version": review.series.version,
                "fixedBySeries": sum(1 for f in review.findings if not f.active),
                "skipped": review.skipped,
                "base": review.base,
                "hunksMoved": [m.describe() for m in review.moved_hunks()],
            },
        }],
    }


def render(review, options: RenderOptions = DEFAULT) -> str:
    return json.dumps(sarif_document(review), indent=2) + "\n"
