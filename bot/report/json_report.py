"""``--format json``: the stable machine-readable review (schema in docs/json.md)."""

from __future__ import annotations

import json
from dataclasses import asdict

from bot import __version__
from bot.report.options import DEFAULT, RenderOptions

SCHEMA = "lorebot-review/1"


def review_dict(review) -> dict:
    series = review.series
    return {
        "schema": SCHEMA,
        "tool": {"name": "lorebot", "version": __version__},
        "series": {
            "message_id": series.message_id,
            "subject": series.subject,
            "version": series.version,
            "total": series.total,
            "versions_seen": series.versions_seen,
            "base_commit": series.base_commit,
            "source": series.source,
            "carried_over": [{"index": i, "from_version": v}
                             for i, v in sorted(series.carried.items())],
            "reply_trailers": [{"index": i, **asdict(t)}
                               for i, found in sorted(series.reply_trailers.items())
                               for t in found],
        },
        "base": review.base,
        "hunks_moved": [{"patch": m.patch, "file": m.file, "hunk": m.placement.hunk,
                         "stated_line": m.placement.stated, "line": m.placement.line,
                         "offset": m.placement.offset, "fuzz": m.placement.fuzz}
                        for m in review.moved_hunks()],
        "patches": [
            {"index": p.index, "subject": p.subject, "message_id": p.message.message_id,
             "author": p.message.author}
            for p in series.patches
        ],
        "findings": [asdict(f) for f in review.findings],
        "skipped": review.skipped,
        "summary": review.counts(),
        "since_previous": review.since_previous.as_dict() if review.since_previous else None,
    }


def render(review, options: RenderOptions = DEFAULT) -> str:
    return json.dumps(review_dict(review), indent=2) + "\n"
