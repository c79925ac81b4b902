"""Offset-preserving rewrites that let tree-sitter-c parse kernel C without a preprocessor.

Every rewrite keeps the length of the text and the line of every byte, so a node of the
rewritten tree stands where its text is in the file. What a rewrite hides from the tree is
recorded in ``Rewritten``:

- a statement-position macro call followed by a body (``list_for_each_entry(...) {``,
  ``skb_queue_walk_safe(...)`` then an indented statement) is a loop: its name becomes
  ``while``; recognised by shape, not by a list of names;
- ``scoped_guard(C, args) {`` becomes an ``if`` whose body always runs;
  ``scoped_cond_guard(C, FAIL, args) {`` becomes ``if(({FAIL;}))`` with its class and
  arguments recorded: the builder runs FAIL when the lock is not taken;
- GNU case ranges ``case 1 ... 14:`` get ``||`` for the ``...`` (offset recorded);
- ``offsetof(T, a.b[i].c)`` gets a one-identifier member, a ``typeof(x)`` type in
  ``offsetof`` or a compound literal becomes one identifier;
- attribute macros (``__packed``, ``__aligned(8)``, ``__free(kfree)``...) are blanked;
  the class of each ``__free`` is recorded at its offset;
- bare type arguments of macros (``container_of(p, struct foo, m)``,
  ``min_t(unsigned long, a, b)``) become expressions;
- ``DECLARE_BITMAP(map, N) = {};`` gets ``0`` for its brace initializer;
- a comparison a macro argument starts with (``PICK(w, < MIN_W, MIN_W)``) is blanked;
- named variadic parameters of a ``#define`` in a body (``_val...``) are blanked.

``one_configuration`` gives the text of one configuration, for code that an ``#if``
or a ``#define`` splits.

Sites are found on a copy whose comments and literals are blanked, and every scan stops
at the next ``;``, ``{`` or ``}``: the work is linear in the size of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BLANK = bytes(b if b == 0x0A else 0x20 for b in range(256))
_MASK = re.compile(rb'//[^\n]*|/\*(?:.*?\*/|.*\Z)|"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?',
                   re.S)
# an indented line that starts with a call and does not end with ";" (one-line loop bodies
# are against kernel style, so this skips every ordinary call statement in one regex pass)
_STMT_CALL = re.compile(rb"\n([ \t]+)([A-Za-z_]\w*)[ \t]*\((?![^\n]*;[ \t\r]*$)")
_SCAN = re.compile(rb"[(){};]")
_KEYWORDS = frozenset(b"if while for switch return sizeof do else case goto typeof __typeof__ "
                      b"_Generic asm __asm__ volatile __volatile__ _Alignof alignof defined "
                      b"offsetof __builtin_offsetof __attribute__ __attribute".split())
_CASE_RANGE = re.compile(rb"case\b[^:;{}\n]*?(\.\.\.)")
_NO_ARG_ATTRIBUTES = frozenset(
    b"__maybe_unused __always_unused __init __exit __cold __hot __must_check noinline "
    b"__always_inline notrace __used __iomem __user __rcu __percpu __force __ref __noreturn "
    b"__packed ____cacheline_aligned_in_smp ____cacheline_aligned __cacheline_aligned "
    b"__randomize_layout __nonstring __weak __visible __read_mostly __ro_after_init "
    b"__initdata __initconst __bitwise __kernel __safe __nocast __sched __cpuidle noinstr "
    b"__kprobes asmlinkage __latent_entropy __no_sanitize_address __noclone __flatten".split())
_ARG_ATTRIBUTES = frozenset(
    b"__aligned __counted_by __counted_by_le __counted_by_be __acquires __releases "
    b"__must_hold __cond_acquires __cond_releases __guarded_by __pt_guarded_by __printf "
    b"__scanf __section __alloc_size __realloc_size __assume_aligned __free __cleanup "
    b"__attribute__ __attribute".split())
# every attribute but four starts with "__": a literal prefix keeps this pass fast
_ATTRIBUTE = re.compile(rb"__\w+")
_PLAIN_ATTRIBUTE = re.compile(rb"\b(?:noinline|notrace|noinstr|asmlinkage)\b")
_OPEN_PAREN = re.compile(rb"\s*\(")
# a register variable's register: register u64 r asm("rdx") = x;
_REGISTER_ASM = re.compile(rb"(?<=\w)[ \t]+((?:asm|__asm__)[ \t]*\([^()\n;{}]*\))(?=[ \t]*[=;,])")
_OFFSETOF = re.compile(rb"offsetof\s*\(")
_TYPEOF_LITERAL = re.compile(rb"\(\s*(typeof|__typeof__)\s*\(")
_STRUCT_ARG = {word: re.compile(word + rb"(?=\s+\w+\s*(?:,|\)(?!\s*\{)))")
               for word in (b"struct", b"union", b"enum")}
# a C keyword type as a first macro argument: min_t(unsigned long, a, b)
_KEYWORD_TYPE_ARG = re.compile(
    rb"\(([ \t]*)((?:(?:unsigned|signed|long|short|int|char|const|volatile|void|bool|"
    rb"_Bool|float|double)\b[ \t]*)+\**)(?=[ \t]*,)")
_NAMED_VARIADIC = re.compile(rb"(?m)^[ \t]*#[ \t]*define[ \t]+\w+\(([^)\n]*)\)")
_VARIADIC_NAME = re.compile(rb"\w+(?=\.\.\.)")
_NOT_IDENT = re.compile(rb"[^\w\n]")
_BRACES = re.compile(rb"[{};]")
# longest macro argument list and in-body brace initializer looked at: bounds every scan,
# so hostile text (thousands of unclosed calls) costs linear time
_MACRO_SPAN = 1024
_INITIALIZER_SPAN = 2048
# a macro argument that is an operator and an operand (``PICK(conf->w, < MIN_W, MIN_W)``):
# no C expression starts with a comparison
_OPERATOR_ARG = re.compile(rb"[(,][ \t\r\n]*([<>]=?|[=!]=)(?![<>=])")
_DECLARE_INIT = re.compile(rb"(?m)^[ \t]+[A-Z_][A-Z0-9_]*\([^;{}\n]*\)[ \t]*=[ \t]*\{")
_LITERAL_END = re.compile(rb"\s*\)\s*\{")
_ELSE_DO = re.compile(rb"(?:^|\W)(?:else|do)$")


@dataclass
class CondGuard:
    """A ``scoped_cond_guard``: its class, its lock arguments, and its failure statement."""

    cls: str
    args: tuple[str, ...]
    fail: str


@dataclass
class Rewritten:
    """The parseable text and what its rewrites hid from the tree."""

    data: bytes
    guard_lines: set[int] = field(default_factory=set)  # line of the ``if`` of a scoped_guard
    cond_guards: dict[int, CondGuard] = field(default_factory=dict)  # offset of ``if`` ->
    macro_loops: dict[int, str] = field(default_factory=dict)  # line -> loop macro name
    case_ranges: set[int] = field(default_factory=set)  # offsets of the ``||`` for ``...``
    free_classes: dict[int, str] = field(default_factory=dict)  # offset of __free -> class

    def shifted(self, offset: int, lines: int) -> Rewritten:
        """These facts for a text that starts ``offset`` bytes (``lines`` lines) later."""
        return Rewritten(self.data, {line + lines for line in self.guard_lines},
                         {at + offset: g for at, g in self.cond_guards.items()},
                         {line + lines: name for line, name in self.macro_loops.items()},
                         {at + offset for at in self.case_ranges},
                         {at + offset: cls for at, cls in self.free_classes.items()})

    def merge(self, other: Rewritten) -> None:
        """Take the facts of a variant of the same text (positions agree)."""
        self.guard_lines |= other.guard_lines
        self.cond_guards.update(other.cond_guards)
        self.macro_loops.update(other.macro_loops)
        self.case_ranges |= other.case_ranges
        self.free_classes.update(other.free_classes)


def mask(data: bytes) -> bytes:
    """``data`` with comments and the insides of string and character literals blanked."""

    def blank(match: re.Match) -> bytes:
        text = match.group()
        return text.translate(_BLANK) if text[:1] == b"/" else text[:1] + \
            text[1:].translate(_BLANK)

    return _MASK.sub(blank, data)


class _Lines:
    """Line numbers of increasing offsets, counted once."""

    def __init__(self, data: bytes):
        self.data, self.pos, self.line = data, 0, 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            return self.data.count(b"\n", 0, offset) + 1
        self.line += self.data.count(b"\n", self.pos, offset)
        self.pos = offset
        return self.line


def _close(masked: bytes, open_at: int, stop: bytes = b"{};") -> int | None:
    """The ``)`` matching the ``(`` at ``open_at``, or None if a ``stop`` byte comes first."""
    depth = 0
    for match in _SCAN.finditer(masked, open_at, open_at + _MACRO_SPAN):
        char = match.group()
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return match.start()
        elif char in stop:
            return None
    return None


def _close_brace(masked: bytes, open_at: int) -> int | None:
    """The ``}`` closing the initializer opened at ``open_at`` (None at a ``;`` first)."""
    depth = 0
    for match in _BRACES.finditer(masked, open_at, open_at + _INITIALIZER_SPAN):
        char = match.group()
        if char == b";":
            return None
        depth += 1 if char == b"{" else -1
        if depth == 0:
            return match.start()
    return None


def _statement_position(masked: bytes, start: int) -> bool:
    """Whether the line starting at ``start`` begins a statement (not an argument, ...)."""
    i = start - 1
    while i >= 0 and masked[i] in b" \t\r\n\f\v":
        i -= 1
    if i < 0 or masked[i] in b";{}:)":
        return True
    line = masked[masked.rfind(b"\n", 0, i) + 1:i + 1].strip()
    return line.startswith(b"#") or _ELSE_DO.search(line) is not None


def _has_body(masked: bytes, close: int, indent: int) -> bool:
    """A ``{`` on the same line, or a next line indented deeper than the macro's."""
    end = len(masked)
    i = close + 1
    while i < end and masked[i] in b" \t\r":
        i += 1
    if i < end and masked[i] == ord("{"):
        return True
    if i >= end or masked[i] != ord("\n"):
        return False
    while i < end and masked[i] in b" \t\r\n":
        i += 1
    if i >= end:
        return False
    line_start = masked.rfind(b"\n", 0, i) + 1
    depth = len(masked[line_start:i].expandtabs(8))
    char = masked[i:i + 1]
    if char == b"{":  # a brace on its own line, GNU style
        return depth >= indent
    return depth > indent and (char.isalpha() or char in b"_*(" or
                               masked[i:i + 2] in (b"++", b"--"))


def _blank(out: bytearray, start: int, end: int) -> None:
    out[start:end] = bytes(out[start:end]).translate(_BLANK)


def _put(out: bytearray, at: int, text: bytes) -> None:
    out[at:at + len(text)] = text


def _split_args(masked: bytes, open_at: int, close: int) -> list[tuple[int, int]]:
    """(start, end) of each top-level argument between the parentheses."""
    spans, depth, start = [], 0, open_at + 1
    for i in range(open_at + 1, close):
        char = masked[i]
        if char in b"([":
            depth += 1
        elif char in b")]":
            depth -= 1
        elif char == ord(",") and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, close))
    return spans


def _text(data: bytes, span: tuple[int, int]) -> str:
    return " ".join(data[span[0]:span[1]].decode("utf-8", "replace").split())


def _cond_guard(out: bytearray, masked: bytes, data: bytes, start: int, open_at: int,
                close: int) -> CondGuard | None:
    """``scoped_cond_guard(C, FAIL, args)`` -> ``if(({FAIL;}))`` in the same bytes."""
    spans = _split_args(masked, open_at, close)
    if len(spans) < 2:
        return None
    fail_start, fail_end = spans[1]
    while fail_start < fail_end and data[fail_start] in b" \t\r\n":
        fail_start += 1
    while fail_end > fail_start and data[fail_end - 1] in b" \t\r\n":
        fail_end -= 1
    fail = bytes(data[fail_start:fail_end])
    guard = CondGuard(_text(data, spans[0]), tuple(_text(data, s) for s in spans[2:]),
                      _text(data, (fail_start, fail_end)))
    if close + 1 - fail_end < 4:  # no room for ";}))" after FAIL: move it left
        if b"\n" in fail:
            return None
        fail_start = close + 1 - 4 - len(fail)
    _blank(out, start, close + 1)
    _put(out, start, b"if(({")
    _put(out, fail_start, fail)
    _put(out, fail_start + len(fail), b";}))")
    return guard


def _statement_macros(out: bytearray, masked: bytes, data: bytes, facts: Rewritten,
                      lines: _Lines) -> None:
    for match in _STMT_CALL.finditer(masked):
        name = match.group(2)
        if name in _KEYWORDS or not _statement_position(masked, match.start() + 1):
            continue
        open_at = match.end() - 1
        close = _close(masked, open_at)
        if close is None:
            continue
        indent = len(match.group(1).expandtabs(8))
        start = match.start(2)
        if _has_body(masked, close, indent):
            line = lines.at(start)
            if name == b"scoped_cond_guard":
                guard = _cond_guard(out, masked, data, start, open_at, close)
                if guard is not None:
                    facts.cond_guards[start] = guard
            elif name == b"scoped_guard":
                _put(out, start, b"if".ljust(len(name)))
                facts.guard_lines.add(line)
            else:
                _put(out, start, b"while".ljust(len(name)))
                facts.macro_loops[line] = name.decode()


def _declaration_initializers(out: bytearray, masked: bytes) -> None:
    """``DECLARE_BITMAP(map, N) = {};``: the brace initializer of a declaring macro -> 0."""
    if b") = {" not in masked:
        return
    for match in _DECLARE_INIT.finditer(masked):
        brace = match.end() - 1
        end = _close_brace(masked, brace)
        if end is not None:
            _blank(out, brace, end + 1)
            _put(out, brace, b"0")


def _case_ranges(out: bytearray, masked: bytes, facts: Rewritten) -> None:
    for match in _CASE_RANGE.finditer(masked):
        _put(out, match.start(1), b"|| ")
        facts.case_ranges.add(match.start(1))


def _attributes(out: bytearray, masked: bytes, data: bytes, facts: Rewritten) -> None:
    plain = _PLAIN_ATTRIBUTE.finditer(masked) if any(
        word in masked for word in (b"noinline", b"notrace", b"noinstr", b"asmlinkage")) else ()
    for match in (*_ATTRIBUTE.finditer(masked), *plain):
        start, word = match.start(), match.group()
        if start and (masked[start - 1:start].isalnum() or masked[start - 1] == ord("_")):
            continue  # inside a longer name
        if word in _NO_ARG_ATTRIBUTES:
            _blank(out, start, match.end())
            continue
        paren = _OPEN_PAREN.match(masked, match.end()) if word in _ARG_ATTRIBUTES else None
        close = _close(masked, paren.end() - 1, stop=b"{}") if paren else None
        if close is None:
            continue
        if word == b"__free":
            facts.free_classes[start] = _text(data, (paren.end(), close))
        _blank(out, start, close + 1)
    if b"asm" in masked:
        for match in _REGISTER_ASM.finditer(masked):
            _blank(out, *match.span(1))


def _identifier(out: bytearray, start: int, end: int) -> None:
    """Make ``typeof(*p)`` one identifier of the same length (``typeof__p_``)."""
    _put(out, start, _NOT_IDENT.sub(b"_", bytes(out[start:end])))


def _offsetof(out: bytearray, masked: bytes, data: bytes) -> None:
    for match in _OFFSETOF.finditer(masked):
        open_at = match.end() - 1
        close = _close(masked, open_at)
        if close is None:
            continue
        spans = _split_args(masked, open_at, close)
        if len(spans) != 2:
            continue
        type_start, type_end = spans[0]
        if re.search(rb"\b(?:typeof|__typeof__)\b", masked[type_start:type_end]):
            _identifier(out, type_start, type_end)
        _identifier(out, *spans[1])  # a.b[i + 1].c: one member name, whatever the index
    for match in _TYPEOF_LITERAL.finditer(masked):
        open_at = match.end() - 1
        close = _close(masked, open_at)
        if close is None:
            continue
        if _LITERAL_END.match(masked, close + 1):
            _identifier(out, match.start(1), close + 1)


def _type_arguments(out: bytearray, masked: bytes) -> None:
    """Bare types as macro arguments become expressions of the same length."""
    for word, pattern in _STRUCT_ARG.items():
        if word not in masked:
            continue
        for match in pattern.finditer(masked):
            before = masked[max(0, match.start() - 40):match.start()].rstrip()
            if before.endswith(b",") or before.endswith(b"(") and \
                    not before[:-1].rstrip().endswith(b"offsetof"):
                _blank(out, match.start(), match.end())
    for match in _KEYWORD_TYPE_ARG.finditer(masked):
        start, end = match.span(2)
        _put(out, start, re.sub(rb"\W", b"_", bytes(out[start:end]).rstrip()).upper())


def _operator_arguments(out: bytearray, masked: bytes) -> None:
    """``PICK(w, < MIN_W, MIN_W)``: the comparison a macro pastes in is blanked, leaving
    its operand as the argument."""
    if b"<" not in masked and b">" not in masked and b"=" not in masked:
        return
    for match in _OPERATOR_ARG.finditer(masked):
        _blank(out, *match.span(1))


def _named_variadics(out: bytearray, masked: bytes) -> None:
    if b"...)" not in masked:
        return
    for match in _NAMED_VARIADIC.finditer(masked):
        for name in _VARIADIC_NAME.finditer(masked, match.start(1), match.end(1)):
            _blank(out, name.start(), name.end())


def rewrite(data: bytes) -> Rewritten:
    """The parseable bytes of ``data`` (same length, same lines) and the hidden facts."""
    masked = mask(data)
    out = bytearray(data)
    facts = Rewritten(b"")
    _statement_macros(out, masked, data, facts, _Lines(data))
    _declaration_initializers(out, masked)
    _case_ranges(out, masked, facts)
    _attributes(out, masked, data, facts)
    _offsetof(out, masked, data)
    _type_arguments(out, masked)
    _operator_arguments(out, masked)
    _named_variadics(out, masked)
    facts.data = bytes(out)
    return facts


_DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif|define|undef)\b(.*)")


def one_configuration(data: bytes) -> bytes:
    """``data`` as one configuration, for code an ``#if`` or a ``#define`` splits: every
    ``#if`` resolved to its first arm (its ``#else`` arm for ``#if 0``), the directives
    and the other arms blanked, and the ``#define``/``#undef`` lines inside braces (a
    macro defined in the middle of an initializer) blanked."""
    lines = data.split(b"\n")
    stack: list[tuple[bool, bool, bool]] = []  # per open #if: parent active, taken, active
    depth = 0  # braces open, counted on the lines kept
    continued = False  # a directive line ending in a backslash goes on
    for number, masked_line in enumerate(mask(data).split(b"\n")):
        directive = None if continued else _DIRECTIVE.match(masked_line)
        active = not stack or stack[-1][2]
        word = directive.group(1) if directive else b""
        if word in (b"if", b"ifdef", b"ifndef"):
            take = not (word == b"if" and directive.group(2).strip() in (b"0", b"(0)"))
            stack.append((active, take, active and take))
        elif stack and word in (b"elif", b"else"):
            parent, taken, _ = stack[-1]
            stack[-1] = (parent, True, parent and not taken)
        elif stack and word == b"endif":
            stack.pop()
        blank = continued or not active or directive is not None and (
            word not in (b"define", b"undef") or depth > 0)
        if blank:
            lines[number] = lines[number].translate(_BLANK)
        elif directive is None:
            depth += masked_line.count(b"{") - masked_line.count(b"}")
        continued = (directive is not None or continued) and \
            masked_line.rstrip(b"\r").endswith(b"\\")
    return b"\n".join(lines)
