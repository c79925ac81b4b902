"""Parse kernel C with tree-sitter, without a preprocessor or headers.

The text first goes through the offset-preserving rewrites of ``bot.c.rewrite``, so
every node's line is its line in the file. A function the parse cannot be trusted on
says why (``CFunction.problem``): an error inside its body, or code after its closing
brace that looks like the rest of its body (an unbalanced brace moved its end). When
an ``#if`` splits a statement or a function header (or a ``#define`` sits in an
initializer), the file is parsed once more as one configuration (the first arm of
each ``#if``) and such functions are taken from that parse (``CFunction.assumed``
says so).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.c.locate import function_span
from bot.c.rewrite import Rewritten, one_configuration, rewrite

if TYPE_CHECKING:
    from bot.series import FileDiff

_CONTAINERS = frozenset({"ERROR", "linkage_specification", "declaration_list", "preproc_if",
                         "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"})
_STATEMENTS = frozenset({"expression_statement", "return_statement", "if_statement",
                         "compound_statement", "goto_statement", "labeled_statement",
                         "while_statement", "for_statement", "do_statement",
                         "switch_statement", "break_statement", "continue_statement",
                         "declaration"})
_LAZY_LOOKS = 64
ONE_CONFIGURATION = "the first arm of each #if, no #define inside braces"


@cache
def _parser(part: bool = False) -> Any:
    """The parser of whole texts, or (``part``) the one whose range is set per parse."""
    import tree_sitter
    import tree_sitter_c

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def _parse_part(data: bytes, start: int, end: int, rewritten: bytes) -> Any:
    """The tree of ``data[start:end]`` (replaced by ``rewritten``), positions in ``data``."""
    import tree_sitter

    parser = _parser(part=True)
    first = data.count(b"\n", 0, start)
    last = first + data.count(b"\n", start, end)
    parser.included_ranges = [tree_sitter.Range((first, 0), (last, end - data.rfind(
        b"\n", 0, end) - 1), start, end)]
    return parser.parse(data[:start] + rewritten + data[end:])


@dataclass
class CFunction:
    """One function definition of a file."""

    name: str
    start_line: int
    end_line: int
    node: Any  # the tree-sitter function_definition node
    error_lines: list[int] = field(default_factory=list)
    boundary: str = ""  # why the parsed end of the function is in doubt
    assumed: str = ""  # the configuration it was parsed in, when not the whole text
    facts: Rewritten | None = None  # what the rewrites hid from its tree

    @property
    def problem(self) -> str:
        """Why no verdict should be given on this function's tree, or ''."""
        if self.boundary:
            return self.boundary
        if self.error_lines:
            return f"{self.name}() could not be parsed at line {self.error_lines[0]}"
        return ""


def _declarator_name(node: Any) -> str | None:
    """The name a function definition declares; None without a parameter list, as when
    the parser's error recovery reads ``f(x) name { ... }`` as a definition of ``name``
    (no C function is declared without one)."""
    has_parameters = False
    while node is not None:
        if node.type == "identifier":
            return node.text.decode() if has_parameters else None
        has_parameters |= node.type == "function_declarator"
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


def _top_level_items(root: Any) -> list[Any]:
    """Definitions and stray items of the file in order, looking into #if blocks and
    ERROR nodes (an ERROR is listed itself, then what it holds)."""
    items = []
    stack = list(reversed(root.children))
    while stack:
        node = stack.pop()
        if node.type in _CONTAINERS:
            if node.type == "ERROR":
                items.append(node)
            stack.extend(reversed(node.children))
        else:
            items.append(node)
    return items


def _stray_code(node: Any, original: bytes) -> bool:
    """Code that belongs in a body: a statement indented as written (not one that starts
    after a blanked ``asmlinkage``) or a lone ``}``."""
    if node.type == "ERROR":
        return node.text[:1] == b"}"
    if node.type == "expression_statement" and node.named_child_count == 0:
        return False  # the ";" of "};"
    line_start = node.start_byte - node.start_point[1]
    indented = node.start_point[1] > 0 and original[line_start:line_start + 1] in (b" ", b"\t")
    return node.type in _STATEMENTS and indented or node.type == "}"


def _functions(root: Any, facts: Rewritten, assumed: str, original: bytes
               ) -> list[CFunction]:
    """The function definitions under ``root``; ``original`` is the text as written, at
    the same offsets as the rewritten one parsed."""
    found: list[CFunction] = []
    for node in _top_level_items(root):
        if node.type == "function_definition":
            name = _declarator_name(node.child_by_field_name("declarator"))
            body = node.child_by_field_name("body")
            if name and body is not None:
                errors = _error_lines(node) if node.has_error else []  # header or body
                found.append(CFunction(name, node.start_point[0] + 1, node.end_point[0] + 1,
                                       node, errors, assumed=assumed, facts=facts))
                continue
        if found and not found[-1].boundary and _stray_code(node, original) and \
                found[-1].node.end_byte <= node.start_byte:
            fn = found[-1]
            line = node.start_point[0] + 1
            fn.boundary = (f"{fn.name}() ends at line {fn.end_line} but line {line} after it "
                           "looks like the rest of its body (an unbalanced brace?)")
            fn.error_lines = sorted([*fn.error_lines, line])
    return found


def _merge(original: list[CFunction], variant: list[CFunction]) -> list[CFunction]:
    """The original's sound functions, and the variant's for the regions it got wrong."""
    good = sorted((f for f in original if not f.problem), key=lambda f: f.start_line)
    starts = [f.start_line for f in good]

    def overlaps(fn: CFunction, sound: list[CFunction], at: list[int]) -> bool:
        i = bisect.bisect_right(at, fn.end_line) - 1
        return i >= 0 and sound[i].end_line >= fn.start_line

    added = sorted((f for f in variant if not f.problem and not overlaps(f, good, starts)),
                   key=lambda f: f.start_line)
    added_starts = [f.start_line for f in added]
    kept = [f for f in original if f.problem and not overlaps(f, added, added_starts)]
    return sorted(good + added + kept, key=lambda f: f.start_line)


class CSource:
    """A parsed C file: its functions by name and by line, and what the rewrites hid.

    With ``lazy`` a function asked for by name is parsed alone (its own lines, found in
    the text) and the whole file only when something needs it: every function, a line,
    the tree, or a function that is not plainly kernel style.
    """

    def __init__(self, text: str, lazy: bool = False, like: CSource | None = None):
        self.text = text
        self._like = like  # a parse of a similar text, to parse this one from (_reparse)
        self.data = text.encode("utf-8", errors="replace")
        self.facts = Rewritten(b"")  # the facts of every parse so far (positions agree)
        self.guard_lines = self.facts.guard_lines
        self.macro_loops = self.facts.macro_loops
        self.memo: dict[Any, Any] = {}  # analyses derived from this parse (constants, CFGs)
        self._tree: Any = None
        self._whole: Rewritten | None = None
        self._functions: list[CFunction] | None = None
        self._alone: dict[str, CFunction | None] = {}  # functions parsed alone (lazy)
        self._undefined: set[str] = set()  # names no definition could have (lazy)
        self._by_name: dict[str, CFunction] | None = None
        self._start_lines: list[int] | None = None
        if not lazy:
            self._parse_whole()
        self.lazy = lazy

    def _parse_whole(self) -> None:
        self._whole = rewrite(self.data)
        like, self._like = self._like, None
        self._tree = _reparse(self._whole.data, like) or _parser().parse(self._whole.data)
        self.facts.merge(self._whole)

    @property
    def tree(self) -> Any:
        if self._tree is None:
            self._parse_whole()
        return self._tree

    def functions(self) -> list[CFunction]:
        if self._functions is None:
            root = self.tree.root_node
            found = _functions(root, self._whole, "", self.data)
            if root.has_error and b"#" in self.data:
                variant = one_configuration(self.data)
                if variant != self.data:
                    facts = rewrite(variant)
                    tree = _parser().parse(facts.data)
                    found = _merge(found, _functions(tree.root_node, facts, ONE_CONFIGURATION,
                                                         self.data))
                    self.facts.merge(facts)
            alone = {(f.name, f.start_line, f.end_line): f for f in self._alone.values() if f}
            self._functions = [alone.get((f.name, f.start_line, f.end_line), f) for f in found]
        return self._functions

    def _function_alone(self, name: str) -> CFunction | None:
        """``name`` parsed from its own lines, if they are plainly a sound definition (as
        one configuration when an ``#if`` inside it splits a statement)."""
        if name not in self._alone:
            span, named = function_span(self.data, name)
            if not named:
                self._undefined.add(name)
            fn = None
            if span is not None:
                start, end = span
                region = self.data[start:end]
                fn = self._parse_alone(name, start, end, region, "")
                if fn is None and b"#" in region:
                    fn = self._parse_alone(name, start, end, one_configuration(region),
                                           ONE_CONFIGURATION)
            self._alone[name] = fn
        return self._alone[name]

    def _parse_alone(self, name: str, start: int, end: int, region: bytes,
                     assumed: str) -> CFunction | None:
        facts = rewrite(region).shifted(start, self.data.count(b"\n", 0, start))
        tree = _parse_part(self.data, start, end, facts.data)
        found = _functions(tree.root_node, facts, assumed, self.data)
        if len(found) != 1 or found[0].name != name or found[0].problem or \
                tree.root_node.has_error:
            return None
        self.facts.merge(facts)
        return found[0]

    def error_lines(self) -> list[int]:
        root = self.tree.root_node
        return _error_lines(root) if root.has_error else []

    def function(self, name: str) -> CFunction | None:
        """The (first) definition of ``name``. A lazy source looks for it in the text (each
        look scans the text: after ``_LAZY_LOOKS`` of them the whole parse is cheaper)."""
        if self.lazy and self._functions is None and len(self._alone) < _LAZY_LOOKS:
            fn = self._function_alone(name)
            if fn is not None or name in self._undefined:
                return fn
        if self._by_name is None:
            self._by_name = {}
            for fn in self.functions():
                self._by_name.setdefault(fn.name, fn)
        return self._by_name.get(name)

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


def cached_parse(cache_dict: dict, text: str, like: CSource | None = None) -> CSource:
    """One parse per text per review, shared by every rule and model; a post-image is
    parsed from its pre-image's tree (``like``)."""
    key = ("c-parse", text)
    if key not in cache_dict:
        cache_dict[key] = CSource(text, like=like)
    return cache_dict[key]


def _reparse(data: bytes, like: CSource | None) -> Any:
    """The tree of ``data`` parsed from the tree of ``like`` (tree-sitter re-parses only
    around the bytes that differ: for a patch's post-image a fraction of a whole parse),
    or None. Only an error-free tree is kept: where a text has syntax errors,
    tree-sitter's recovery may differ between a fresh and an incremental parse, and a
    file must get the same tree whichever way it was parsed."""
    old_tree = like._tree if like is not None and like._whole is not None else None
    if old_tree is None or old_tree.root_node.has_error:
        return None
    old = like._whole.data
    start = _common_prefix(old, data)
    end = min(_common_prefix(old[::-1], data[::-1]), len(old) - start, len(data) - start)
    tree = old_tree.copy()  # the pre-image's own tree stays as it is
    tree.edit(start, len(old) - end, len(data) - end, _point(old, start),
              _point(old, len(old) - end), _point(data, len(data) - end))
    new = _parser().parse(data, tree)
    return None if new.root_node.has_error else new


def _common_prefix(a: bytes, b: bytes) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # bisection on slices: a few compares at C speed
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _point(data: bytes, at: int) -> tuple[int, int]:
    """(row, column in bytes) of offset ``at``, as tree-sitter counts them."""
    return data.count(b"\n", 0, at), at - (data.rfind(b"\n", 0, at) + 1)


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
