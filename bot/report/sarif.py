"""``--format sarif``: SARIF 2.1.0 for code-scanning tools (GitHub code scanning).

Results are the findings still present after the series, located in the
post-image; witness paths and scenario traces become code flows. Findings the
series fixed are left out (they are not problems of the code under review) and
counted in the run's properties. Commit-log findings have no file: they carry
no location and name the patch in their properties.
"""

from __future__ import annotations

import json

from bot import __version__
from bot.report.options import DEFAULT, RenderOptions
from bot.series import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _location(file: str, line: int | None, note: str = "") -> dict:
    physical: dict = {"artifactLocation": {"uri": file}}
    if line:
        physical["region"] = {"startLine": line}
    location: dict = {"physicalLocation": physical}
    if note:
        location["message"] = {"text": note}
    return location


def _result(finding: Finding, rule_index: dict[str, int]) -> dict:
    result: dict = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "properties": {"patch": finding.patch, "status": finding.status,
                       "function": finding.function, "evidence": finding.evidence},
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.file:
        result["locations"] = [_location(finding.file, finding.line)]
    if finding.path:
        result["codeFlows"] = [{"threadFlows": [{"locations": [
            {"location": _location(step.file, step.line, step.note)} for step in finding.path
        ]}]}]
    return result


def sarif_document(review) -> dict:
    rules = [{
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.description or rule.id},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"kind": rule.kind, "pack": rule.pack.name},
    } for rule in review.rules]
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    results = [_result(f, index) for f in review.findings if f.active]
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
