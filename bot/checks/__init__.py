"""The rule engine: rule packs as data, one module per rule kind.

A pack is a folder under ``rules/`` whose ``*.toml`` files hold ``[[rule]]``
tables and an optional ``[settings]`` table. Every rule names a *kind*; the kind's
module (``KINDS``) validates the rule's parameters at load time and checks one
patch at a time. Unknown kinds and malformed files are load-time errors that name
the file and line.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.checks.toml_cache import parse_toml
from bot.errors import InputError
from bot.severity import SEVERITIES

# kind name -> module implementing ``check(rule, ctx)`` and ``validate(rule)``
KINDS: dict[str, str] = {
    "commit-log": "bot.checks.commit_log",
    "must-call": "bot.checks.must_call",
    "paired-calls": "bot.checks.paired_calls",
    "behaviour": "bot.checks.behaviour",
}

_RULE_KEYS = {"id", "kind", "severity", "description", "files", "functions", "report",
              "enabled"}


def default_rules_dir() -> Path:
    """``$LOREBOT_RULES``, else the packs shipped with lorebot.

    An installed wheel carries them as package data ``bot/rules``; a source
    checkout (or an editable install) has them in ``rules/`` beside ``bot/``.
    """
    env = os.environ.get("LOREBOT_RULES")
    return Path(env) if env else bundled_rules_dir()


def bundled_rules_dir() -> Path:
    """The packs shipped with lorebot, whatever ``$LOREBOT_RULES`` says."""
    package = Path(__file__).resolve().parent.parent  # bot/, on disk however installed
    installed = package / "rules"
    return installed if installed.is_dir() else package.parent / "rules"


@dataclass
class Pack:
    """One rule pack folder and its settings (its own, and every loaded pack's merged)."""

    name: str
    folder: Path
    settings: dict[str, Any] = field(default_factory=dict)  # this pack's [settings]
    shared: dict[str, Any] = field(default_factory=dict)  # every loaded pack's, merged
    rules: list[Rule] = field(default_factory=list)  # its enabled rules, in file order


def merge_settings(packs: list[Pack]) -> dict[str, Any]:
    """All packs' settings: lists are joined (noreturn functions...), other values: last wins."""
    merged: dict[str, Any] = {}
    for pack in packs:
        for key, value in pack.settings.items():
            if isinstance(value, list):
                merged[key] = list(dict.fromkeys([*merged.get(key, []), *value]))
            else:
                merged[key] = value
    return merged


@dataclass
class Rule:
    """One rule of a pack; everything beyond the common keys is in ``params``."""

    id: str
    kind: str
    severity: str
    pack: Pack
    description: str = ""
    files: list[str] = field(default_factory=list)  # globs; empty = any file
    functions: list[str] = field(default_factory=list)
    report: str = "all"  # "all": also preexisting problems; "introduced": only new ones
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # file:line, for messages about the rule itself

    def applies_to_file(self, path: str) -> bool:
        return not self.files or any(fnmatch.fnmatch(path, g) for g in self.files)

    def applies_to_patch(self, paths: list[str]) -> bool:
        return not self.files or any(self.applies_to_file(p) for p in paths)


def kind_module(kind: str) -> ModuleType:
    return importlib.import_module(KINDS[kind])


def _rule_lines(text: str) -> list[int]:
    """Line numbers of each ``[[rule]]`` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[rule]]"]


def _parse_rule(table: dict[str, Any], pack: Pack, where: str) -> Rule:
    for key in ("id", "kind"):
        if not isinstance(table.get(key), str) or not table[key]:
            raise InputError(f"{where}: rule needs a '{key}' string")
    if table["kind"] not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise InputError(f"{where}: rule {table['id']}: unknown kind {table['kind']!r} "
                         f"(known: {known})")
    severity = table.get("severity", "error")
    if severity not in SEVERITIES:
        raise InputError(f"{where}: rule {table['id']}: severity {severity!r} is not one of "
                         f"{', '.join(SEVERITIES)}")
    report = table.get("report", "all")
    if report not in ("all", "introduced"):
        raise InputError(f"{where}: rule {table['id']}: report must be 'all' or 'introduced'")
    rule = Rule(
        id=table["id"], kind=table["kind"], severity=severity, pack=pack,
        description=table.get("description", ""), files=list(table.get("files", [])),
        functions=list(table.get("functions", [])), report=report,
        params={k: v for k, v in table.items() if k not in _RULE_KEYS}, source=where,
    )
    problem = kind_module(rule.kind).validate(rule)
    if problem:
        raise InputError(f"{where}: rule {rule.id}: {problem}")
    return rule


def load_pack(folder: Path, kinds: frozenset[str] | None = None) -> Pack:
    """One pack folder: its settings and its enabled rules (with ``kinds``: only the rules
    of those kinds are read and validated)."""
    pack = Pack(folder.name, folder)
    for path in sorted(folder.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        data = parse_toml(path, text)
        pack.settings.update(data.get("settings", {}))
        tables = data.get("rule", [])
        if not isinstance(tables, list):
            raise InputError(f"{path}: 'rule' must be an array of tables ([[rule]])")
        lines = _rule_lines(text)
        for n, table in enumerate(tables):
            if kinds is not None and isinstance(table, dict) and table.get("kind") not in kinds:
                continue
            where = f"{path}:{lines[n] if n < len(lines) else 1}"
            rule = _parse_rule(table, pack, where)
            if table.get("enabled", True):
                pack.rules.append(rule)
    return pack


def pack_folders(dirs: list[Path]) -> list[Path]:
    """Each given folder is a pack, or a folder of packs like ``rules/``; each pack once."""
    folders: dict[Path, Path] = {}  # resolved -> as given: a pack named twice loads once
    for d in dirs:
        if not d.is_dir():
            raise InputError(f"--rules {d}: not a folder")
        if any(d.glob("*.toml")):
            folders.setdefault(d.resolve(), d)
            continue
        packs = sorted(p for p in d.iterdir() if p.is_dir() and any(p.glob("*.toml")))
        if not packs:  # zero rules would pass every patch: say so instead
            raise InputError(f"--rules {d}: no rule pack (no *.toml in it or its subfolders)")
        for pack in packs:
            folders.setdefault(pack.resolve(), pack)
    return list(folders.values())


def chosen_rules(extra: list[Path] | None = None) -> list[Rule]:
    """The rules a command runs: the bundled packs (``$LOREBOT_RULES`` instead, when set)
    and the packs of every folder the user added (``--rules``, the Action's ``rules``,
    watch's ``[review] rules``), each pack once however often it was named."""
    return load_rules([default_rules_dir(), *(extra or [])])


def load_rules(dirs: list[Path] | None = None) -> list[Rule]:
    """Every enabled rule of exactly the packs in ``dirs`` (default: the bundled ones)."""
    return [rule for pack in load_packs(dirs) for rule in pack.rules]


def load_packs(dirs: list[Path] | None = None,
               kinds: frozenset[str] | None = None) -> list[Pack]:
    """The packs in ``dirs`` (default: the bundled ones), every one's settings merged into
    ``shared``; with ``kinds``, only their rules of those kinds (``lorebot paths`` needs
    the pairs and the settings, and so imports no other kind's module)."""
    packs: list[Pack] = []
    seen: dict[str, str] = {}
    for folder in pack_folders(dirs or [default_rules_dir()]):
        pack = load_pack(folder, kinds)
        for rule in pack.rules:
            if rule.id in seen:
                raise InputError(f"{rule.source}: rule id {rule.id} already defined at "
                                 f"{seen[rule.id]} (--rules adds packs; $LOREBOT_RULES "
                                 "replaces the bundled ones)")
            seen[rule.id] = rule.source
        packs.append(pack)
    shared = merge_settings(packs)
    for pack in packs:
        pack.shared = shared
    return packs
