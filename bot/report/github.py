"""GitHub Actions output: a Markdown job summary and workflow-command annotations.

``--format github`` prints the summary; `annotations` gives the
``::error file=…,line=…::`` lines the action prints so findings show on the
changed lines of the pull request.
"""

from __future__ import annotations

from bot.report import plural
from bot.report.options import DEFAULT, RenderOptions
from bot.series import Finding
from bot.severity import SEVERITIES

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, subject: str) -> str:
    props = {}
    if finding.file:
        props["file"] = finding.file
        if finding.line:
            props["line"] = str(finding.line)
    where = f"patch {finding.patch}" if finding.patch else "series"
    props["title"] = f"lorebot {finding.rule} ({where})"
    text = finding.message
    if not finding.file:
        text = f"{subject}: {text}" + (f" [commit log line {finding.line}]"
                                       if finding.line else "")
    fields = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{COMMANDS[finding.severity]} {fields}::{escape_data(text)}"


def annotations(review) -> list[str]:
    """One workflow command per finding still present after the series."""
    subjects = {p.index: p.subject for p in review.series.patches}
    return [annotation(f, subjects.get(f.patch, review.series.subject))
            for f in review.findings if f.active]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(review, options: RenderOptions = DEFAULT) -> str:
    """The job summary in Markdown."""
    series = review.series
    active = review.active()
    counts = review.counts()
    fixed = [f for f in review.findings if not f.active]
    out = [f"## lorebot review: {_cell(series.subject)}", "",
           f"{plural(len(series.patches), 'patch')} from {series.source or 'input'}; base: "
           f"{review.base or 'none (commit-log rules only)'}.", "",
           *[f"- {_cell(m.describe())}" for m in review.moved_hunks()],
           *([""] if review.moved_hunks() else []),
           f"**{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
           f"{plural(counts['info'], 'note')}**" + (f"; {len(fixed)} fixed by the series"
                                                    if fixed else ""), ""]
    if active:
        out += ["| severity | rule | where | finding |", "|---|---|---|---|"]
        for f in sorted(active, key=lambda f: (-SEVERITIES.index(f.severity), f.patch or 0)):
            where = f"`{f.file}:{f.line}`" if f.file and f.line else (
                f"`{f.file}`" if f.file else f"patch {f.patch} log")
            out.append(f"| {f.severity} | `{f.rule}` | {where} | {_cell(f.message)} |")
        out.append("")
    for f in active:
        if f.path:
            steps = "\n".join(f"  - line {s.line}: {_cell(s.note)}" for s in f.path[-10:])
            out += [f"<details><summary>{_cell(f.rule)} at {f.file}:{f.line}</summary>", "",
                    steps, "", "</details>", ""]
    if fixed:
        out += ["Fixed by the series:", ""] + [f"- `{f.rule}`: {_cell(f.message)}"
                                               for f in fixed] + [""]
    if review.skipped:
        out += ["Not checked:", ""] + [f"- {_cell(s)}" for s in review.skipped] + [""]
    return "\n".join(out)
