"""Rule files parsed once: the TOML tables of each file cached by its exact text.

Every ``lorebot review`` and every ``b4-check`` b4 runs per patch would import
tomllib and parse the same packs again. The tables are a function of the text
alone, so they are kept in ``$XDG_CACHE_HOME/lorebot/rules/`` as marshal data
together with the text they came from, and used only while the file still
holds exactly that text. A missing, stale, corrupt or unwritable cache only
means parsing again.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import zlib
from pathlib import Path
from typing import Any

from bot.errors import InputError

FORMAT = 1  # bump when what is stored changes


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "lorebot" / "rules"


def _entry(text: str) -> Path:
    data = text.encode("utf-8")
    return cache_folder() / f"{zlib.crc32(data):08x}-{len(data)}.marshal"


def _cached(entry: Path, text: str) -> dict[str, Any] | None:
    try:
        stored = marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if isinstance(stored, tuple) and len(stored) == 3 and stored[:2] == (FORMAT, text):
        return stored[2]
    return None


def _store(entry: Path, text: str, tables: dict[str, Any]) -> None:
    try:
        data = marshal.dumps((FORMAT, text, tables))
    except ValueError:  # TOML dates and times: not worth caching
        return
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, entry)  # readers see the whole entry or none
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    """The tables of ``text`` (the content of ``path``), from the cache when it holds them."""
    entry = _entry(text)
    tables = _cached(entry, text)
    if tables is None:
        import tomllib

        try:
            tables = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: {exc}") from None
        _store(entry, text, tables)
    return tables
