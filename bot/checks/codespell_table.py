"""codespell's dictionary, looked up only for the words a log holds.

Building a dict of its 65,000 entries costs 40-70 ms in every process, for a
log of a few hundred words. So the dictionary is kept precompiled in
``$XDG_CACHE_HOME/lorebot/``: entries spread over buckets by a stable hash of
the misspelling, one string per bucket, stored with marshal and keyed by
codespell's version and the size of its dictionary file. Loading it is one
read; a lookup searches one bucket of a few dozen entries. The cache is built
at first use; when it cannot be written, the table lives in memory only.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import zlib
from functools import cache
from pathlib import Path

BUCKETS = 4096
FORMAT = 1  # bump when the stored form changes


def _package() -> Path:
    """codespell's folder, found without importing it (its import costs ~10 ms)."""
    from importlib.util import find_spec

    spec = find_spec("codespell_lib")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("codespell is not installed")
    return Path(spec.origin).parent


def _version(package: Path) -> str:
    """``__version__ = version = '2.4.3'`` of codespell's _version.py, read as text."""
    try:
        text = (package / "_version.py").read_text("utf-8")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        if line.startswith("__version__ ="):
            return line.rsplit("=", 1)[1].strip().strip("'\"")
    return "unknown"


def _bucket(word: str) -> int:
    return zlib.crc32(word.encode()) % BUCKETS


def _cache_file(package: Path, source: Path) -> Path:
    """Named by codespell's version and the dictionary's size and time: a new one, a new file."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    stat = source.stat()
    key = f"{_version(package)}-{stat.st_size}-{stat.st_mtime_ns}-{FORMAT}"
    return Path(base) / "lorebot" / f"codespell-{key}.marshal"


def build(source: Path) -> tuple[str, ...]:
    """The buckets: each ``\\nwrong->right\\n...`` for the entries that hash there."""
    parts: list[list[str]] = [[] for _ in range(BUCKETS)]
    for entry in source.read_text("utf-8").splitlines():
        wrong, _, right = entry.partition("->")
        if right and "disabled" not in right:
            parts[_bucket(wrong)].append(f"{wrong}->{right.rstrip(', ').strip()}")
    return tuple("\n" + "\n".join(p) + "\n" for p in parts)


def _store(path: Path, buckets: tuple[str, ...]) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(marshal.dumps(buckets))
        os.replace(partial, path)
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


@cache
def buckets() -> tuple[str, ...]:
    package = _package()
    source = package / "data" / "dictionary.txt"
    path = _cache_file(package, source)
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
        stored = marshal.loads(path.read_bytes())
        if isinstance(stored, tuple) and len(stored) == BUCKETS:
            return stored
    table = build(source)
    _store(path, table)
    return table


def suggestion(word: str) -> str | None:
    """codespell's correction(s) for a lower-case ``word``, None if it is not listed."""
    bucket = buckets()[_bucket(word)]
    at = bucket.find(f"\n{word}->")
    if at < 0:
        return None
    start = at + len(word) + 3
    return bucket[start:bucket.index("\n", start)]
