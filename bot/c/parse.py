"""Parse kernel C with tree-sitter, without a preprocessor or headers.

tree-sitter-c does not know kernel macros. Two rewrites keep the tree clean
while every byte offset (and so every line number) stays where it was:

- a statement-position macro followed by a body, such as
  ``for_each_cpu_and(cpu, a, b) { ... }`` or ``list_for_each_entry(...)``, gets
  its name replaced by ``while`` padded with spaces; ``scoped_guard(...) {`` by
  ``if``, remembered so the control-flow graph runs its body unconditionally;
- a macro argument that is a bare type (``container_of(p, struct foo, m)``) has
  its ``struct`` keyword blanked, and so are attribute macros (``__init``,
  ``__maybe_unused``, ``__iomem``...).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.series import FileDiff

_BODY_MACRO = re.compile(r"(?m)^[ \t]*((?:\w*for_each\w*)|scoped_guard)\s*\(")
_TYPE_ARG = re.compile(r"([(,]\s*)struct(\s+\w+\s*[,)])")
_ATTRIBUTES = re.compile(r"\b(__maybe_unused|__always_unused|__init|__exit|__cold|__hot|"
                         r"__must_check|noinline|__always_inline|notrace|__used|__iomem|"
                         r"__user|__rcu|__percpu|__force|__ref|__noreturn)\b")


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_c

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def _close_paren(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, min(len(text), open_at + 4000)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def rewrite_macros(text: str) -> tuple[str, set[int], dict[int, str]]:
    """(parseable text of the same length, lines whose ``if`` is an unconditional guard,
    line -> macro name of each rewritten macro loop)."""
    out = list(text)
    guard_lines: set[int] = set()
    loop_lines: dict[int, str] = {}
    for match in _BODY_MACRO.finditer(text):
        close = _close_paren(text, match.end() - 1)
        if close is None:
            continue
        rest = text[close + 1:close + 200].lstrip()
        if not rest or rest[0] == ";":
            continue  # an ordinary call statement
        name = match.group(1)
        keyword = "if" if name == "scoped_guard" else "while"
        start = match.start(1)
        out[start:start + len(name)] = keyword.ljust(len(name))
        line = text.count("\n", 0, start) + 1
        if keyword == "if":
            guard_lines.add(line)
        else:
            loop_lines[line] = name
    rewritten = "".join(out)
    rewritten = _TYPE_ARG.sub(lambda m: m.group(1) + "      " + m.group(2), rewritten)
    rewritten = _ATTRIBUTES.sub(lambda m: " " * len(m.group(1)), rewritten)
    return rewritten, guard_lines, loop_lines


@dataclass
class CFunction:
    """One function definition of a file."""

    name: str
    start_line: int
    end_line: int
    node: Any  # the tree-sitter function_definition node
    error_lines: list[int] = field(default_factory=list)


def _declarator_name(node: Any) -> str | None:
    while node is not None:
        if node.type == "identifier":
            return node.text.decode()
        if node.type == "function_declarator":
            node = node.child_by_field_name("declarator")
            continue
        node = node.child_by_field_name("declarator")
    return None


def _error_lines(node: Any) -> list[int]:
    lines: list[int] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            lines.append(n.start_point[0] + 1)
        elif n.has_error:
            stack.extend(n.children)
    return sorted(lines)


class CSource:
    """A parsed C file: functions by name, lines of unconditional guards."""

    def __init__(self, text: str):
        self.text = text
        rewritten, self.guard_lines, self.macro_loops = rewrite_macros(text)
        self.tree = _parser().parse(rewritten.encode("utf-8", errors="replace"))
        self._functions: list[CFunction] | None = None
        self.memo: dict[Any, Any] = {}  # analyses derived from this parse (constants, CFGs)
        self._start_lines: list[int] | None = None

    def functions(self) -> list[CFunction]:
        if self._functions is None:
            found = []
            stack = list(reversed(self.tree.root_node.children))
            while stack:
                node = stack.pop()
                if node.type == "function_definition":
                    name = _declarator_name(node.child_by_field_name("declarator"))
                    if name:
                        body = node.child_by_field_name("body")
                        errors = _error_lines(body) if body is not None and body.has_error \
                            else []
                        found.append(CFunction(name, node.start_point[0] + 1,
                                               node.end_point[0] + 1, node, errors))
                elif node.type.startswith("preproc_") or node.type in ("ERROR",
                                                                        "linkage_specification",
                                                                        "declaration_list"):
                    stack.extend(reversed(node.children))
            self._functions = sorted(found, key=lambda f: f.start_line)
        return self._functions

    def error_lines(self) -> list[int]:
        root = self.tree.root_node
        return _error_lines(root) if root.has_error else []

    def function(self, name: str) -> CFunction | None:
        return next((f for f in self.functions() if f.name == name), None)

    def function_at(self, line: int) -> CFunction | None:
        functions = self.functions()
        at = bisect.bisect_right(self._starts(), line) - 1
        if at >= 0 and functions[at].start_line <= line <= functions[at].end_line:
            return functions[at]
        return None

    def _starts(self) -> list[int]:
        if self._start_lines is None:
            self._start_lines = [f.start_line for f in self.functions()]
        return self._start_lines


def parse_c(text: str) -> CSource:
    return CSource(text)


def cached_parse(cache_dict: dict, text: str) -> CSource:
    """One parse per text per review, shared by every rule and model."""
    key = ("c-parse", text)
    if key not in cache_dict:
        cache_dict[key] = CSource(text)
    return cache_dict[key]


def release_parse(cache_dict: dict, text: str) -> None:
    """Forget the parse of ``text``: the review has no further use for it."""
    cache_dict.pop(("c-parse", text), None)


def functions_touched(pre: CSource | None, post: CSource | None, fd: FileDiff) -> list[str]:
    """Names of the functions whose lines the diff adds, removes or changes, in order."""
    names: list[str] = []
    for hunk in fd.hunks:
        for line in hunk.lines:
            fn = None
            if line.kind == "+" and post is not None and line.new_line:
                fn = post.function_at(line.new_line)
            elif line.kind == "-" and pre is not None and line.old_line:
                fn = pre.function_at(line.old_line)
            if fn is not None and fn.name not in names:
                names.append(fn.name)
    return names
