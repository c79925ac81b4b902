"""Findings gathered into the points a reviewer makes: one point per bug.

Rules of different kinds often see the same bug: the must-call rule and two
model scenarios all fail at one ``return``. A reply says that once, with each
rule's evidence under it. Findings are merged by where they are (patch, file,
image, exit line, function), never by their wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.series import Finding
from bot.severity import SEVERITIES, severity_rank


@dataclass
class Point:
    """Findings about one place; the first one leads (a path rule before a model)."""

    findings: list[Finding]

    @property
    def lead(self) -> Finding:
        return self.findings[0]

    @property
    def severity(self) -> str:
        return max((f.severity for f in self.findings), key=severity_rank)

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(f.rule for f in self.findings))

    @property
    def active(self) -> bool:
        return self.lead.active


def _place(finding: Finding) -> tuple | None:
    """Where a code finding is: findings at the same place are one point."""
    if finding.file is None or finding.line is None:
        return None
    return (finding.patch, finding.file, finding.image, finding.line, finding.function,
            finding.active)


def _order(finding: Finding) -> tuple:
    # the exact statement first (a path rule names the exit), then the model's scenarios
    return (finding.kind == "behaviour", -severity_rank(finding.severity))


def points(findings: list[Finding]) -> list[Point]:
    """``findings`` as points, in the order their first finding came."""
    grouped: dict[object, list[Finding]] = {}
    for number, finding in enumerate(findings):
        grouped.setdefault(_place(finding) or number, []).append(finding)
    return [Point(sorted(group, key=_order)) for group in grouped.values()]


def worth_a_reply(finding: Finding) -> bool:
    """Whether a finding is something to write to the author about: a live problem
    at warning or error level (info lines and what the patch fixed are not)."""
    return finding.active and severity_rank(finding.severity) >= SEVERITIES.index("warning")
