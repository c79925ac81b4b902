"""What the path rule kinds (must-call, paired-calls) share: which functions to
analyse, the pre/post comparison per exit, and turning violations into findings.

Each violation is an exit (and, for a resource, where it was taken). The
exits of the function before and after the patch are matched through the
diff of the function's lines: a violation after the patch with no match
before is ``introduced`` ("introduced at line K"), one with a match is
``preexisting`` ("still leaking at line M"), and one before the patch with no
match after is ``fixed`` ("fixed at line N", in the pre-image). A patch that
adds a second leaking return to a function that already leaked is therefore
reported, and a fix that closes one of two leaking exits says so.

A subsystem rule that names its functions reports preexisting violations too;
generic pairs set ``report = "introduced"`` so only what the patch adds (and
what it fixes) is reported.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from bot.c.parse import CFunction, CSource, cached_parse, functions_touched
from bot.c.paths import Verdict, Violation
from bot.c.summaries import CALLED, Folder
from bot.c.verdict import Analysis, verdict
from bot.checks.context import PatchContext, make_finding
from bot.series import Finding, Location


def _shown_steps(violation: Violation) -> list:
    """Branch decisions, the exit, helpers' insides, and the calls whose result a later
    branch tests."""
    steps = violation.steps
    shown = []
    for i, step in enumerate(steps):
        if step.note.startswith("inside "):
            pass
        elif " = " in step.note:
            var = re.compile(rf"\b{re.escape(step.note.split(' = ', 1)[0])}\b")
            if not any(var.search(later.note) for later in steps[i + 1:] if " is " in later.note):
                continue
        elif not step.note or not (" is " in step.note or i == len(steps) - 1
                                   or "switch" in step.note or "iteration" in step.note):
            continue
        shown.append(step)
    return shown


def noreturn_functions(rule) -> frozenset[str]:
    return frozenset(rule.pack.shared.get("noreturn", [])) | frozenset(
        rule.params.get("noreturn", []))


def _finding(rule, ctx: PatchContext, path: str, violation: Violation, function: str,
             status: str, image: str) -> Finding:
    shown = _shown_steps(violation)
    prefix = {"fixed": "Fixed by this patch: ", "preexisting": "Still there after the patch: "}
    return make_finding(
        rule, ctx, prefix.get(status, "") + violation.message + ".",
        file=path, line=violation.exit_line, function=function, status=status, image=image,
        path=[Location(path, s.line, s.note) for s in shown],
        evidence=[f"line {s.line}: {s.note}" for s in shown[-3:]])


def _folder(ctx: PatchContext, path: str) -> Folder | None:
    """The driver's other sources in the base, shared by every rule of the review: the C
    files and headers beside ``path``, then those of its parent folder (a driver with a
    folder per chip keeps its common helpers and their inline wrappers there)."""
    base = ctx.base
    if base is None or not hasattr(base, "folder"):
        return None
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    key = ("folder", folder)
    if key not in ctx.cache:

        def read(other: str) -> str | None:
            got = base.read(other, None)
            return got.text if got is not None else None

        beside = base.folder(path)
        above = base.folder(folder) if folder else []
        ctx.cache[key] = Folder([p for p in beside + above if p.endswith((".c", ".h"))], read)
    return ctx.cache[key].without(path)


def _parses(ctx: PatchContext, fd) -> tuple[CSource | None, CSource | None, list[str]]:
    """The pre- and post-image parses of one file of the patch and its touched functions."""
    images = ctx.images.files.get(fd.path) if ctx.images else None
    if images is None:
        return None, None, []
    pre = cached_parse(ctx.cache, images.pre) if images.pre else None
    post = cached_parse(ctx.cache, images.post, like=pre) if images.post else None
    key = ("touched", id(fd))
    if key not in ctx.cache:
        ctx.cache[key] = functions_touched(pre, post, fd)
    return pre, post, ctx.cache[key]


def _moved(ctx: PatchContext) -> dict[str, tuple[str, CSource, str]]:
    """Functions the patch takes out of one file and adds to another (a split into a new
    file): name -> (old path, old file's pre-image, new path). Such a function is compared
    with itself in the old file, so what it did there is not new."""
    key = ("moved", ctx.patch.index)
    if key in ctx.cache:
        return ctx.cache[key]
    gone: dict[str, tuple[str, CSource]] = {}
    added: dict[str, str] = {}
    for fd in ctx.patch.files:
        if not fd.is_c:
            continue
        pre, post, names = _parses(ctx, fd)
        for name in names:
            before = pre.function(name) if pre is not None else None
            after = post.function(name) if post is not None else None
            if before is not None and after is None:
                gone[name] = (fd.path, pre)
            elif after is not None and before is None:
                added[name] = fd.path
    ctx.cache[key] = {name: (gone[name][0], gone[name][1], path) for name, path in added.items()
                      if name in gone and gone[name][0] != path}
    return ctx.cache[key]


def check_touched(rule, ctx: PatchContext, analysis: Analysis) -> list[Finding]:
    """Run ``analysis`` before and after the patch on every touched function the rule covers."""
    noreturn = noreturn_functions(rule)
    settings = rule.pack.shared
    moved = _moved(ctx)
    judged = []
    for fd in ctx.patch.files:
        if not fd.is_c or not rule.applies_to_file(fd.path):
            continue
        pre, post, names = _parses(ctx, fd)
        if pre is None and post is None:
            continue
        folder = _folder(ctx, fd.path)
        for name in names:
            if rule.functions and name not in rule.functions:
                continue
            old_path, old_pre, new_path = moved.get(name, ("", pre, fd.path))
            if fd.path == old_path:
                continue  # judged where it went
            with ctx.analysing(f"{name}()"):
                before = verdict(old_pre, name, analysis, noreturn, True, settings,
                                 _folder(ctx, old_path) if old_path else folder) \
                    if old_pre else None
                after = verdict(post, name, analysis, noreturn, True, settings, folder) \
                    if post else None
            judged.append((fd.path, name, old_pre, post, before, after, old_path))
    carried = _carried(judged)
    judged = _without_consequences(judged)
    found: list[Finding] = []
    for path, name, old_pre, post, before, after, old_path in judged:
        found.extend(_compare(rule, ctx, path, name, before, after,
                              _line_map(old_pre, post, name), old_path or path,
                              (_ending(old_pre, name), _ending(post, name)), carried,
                              (old_pre, post)))
    return found


def _without_consequences(judged: list) -> list:
    """The verdicts with the violations left out that only repeat a helper's own: a
    resource taken through a call of a helper the patch also touches, and that leaves it
    held where it must not (a lock it forgets to drop is reported there, once, not in
    every caller)."""
    leaking = {(image, name) for _, name, _, _, before, after, _ in judged
               for image, result in (("pre", before), ("post", after))
               if result is not None and result.verdict == "fail"}

    def kept(result: Verdict | None, image: str, name: str) -> Verdict | None:
        if result is None or result.verdict != "fail":
            return result
        own = [v for v in result.violations
               if not v.helper or v.helper == name or (image, v.helper) not in leaking]
        return replace(result, violations=own, verdict="fail" if own else "pass")

    return [(path, name, old_pre, post, kept(before, "pre", name), kept(after, "post", name),
             old_path) for path, name, old_pre, post, before, after, old_path in judged]


def _statement(src: CSource | None, line: int) -> str:
    lines = src.text.split("\n") if src is not None else []
    return " ".join(lines[line - 1].split()) if 0 < line <= len(lines) else ""


def _carried(judged: list) -> dict[str, set[tuple]]:
    """Violations the patch carries from one function into another (code moved out of
    ``prepare()`` into a new ``connect()``): the same resource taken by the same
    statement, held in one function only before and in another only after. By image
    ("pre", "post"): (function, resource, acquire line); such a violation is neither
    introduced nor fixed."""
    held: dict[str, dict[tuple, set[tuple]]] = {"pre": {}, "post": {}}
    for _, name, old_pre, post, before, after, _ in judged:
        for image, src, result in (("pre", old_pre, before), ("post", post, after)):
            for v in result.violations if result is not None and result.verdict == "fail" \
                    else []:
                if v.acquire_line:
                    sign = (v.key, _statement(src, v.acquire_line))
                    held[image].setdefault(sign, set()).add((name, v.key, v.acquire_line))
    out: dict[str, set[tuple]] = {"pre": set(), "post": set()}
    for sign, olds in held["pre"].items():
        news = held["post"].get(sign, set())
        old_names, new_names = {n for n, _, _ in olds}, {n for n, _, _ in news}
        if old_names - new_names and new_names - old_names:
            out["pre"] |= {v for v in olds if v[0] not in new_names}
            out["post"] |= {v for v in news if v[0] not in old_names}
    return out


def _line_map(pre: CSource | None, post: CSource | None, name: str) -> dict[int, int]:
    """Pre-image line -> post-image line, for the unchanged lines of function ``name``
    (kept with the post-image's parse: every rule of the patch asks for the same map)."""
    old = pre.function(name) if pre is not None else None
    new = post.function(name) if post is not None else None
    if old is None or new is None:
        return {}
    key = ("line-map", name, pre.text)
    if key not in post.memo:
        post.memo[key] = _matching_lines(pre, old, post, new)
    return post.memo[key]


def _matching_lines(pre: CSource, old: CFunction, post: CSource,
                    new: CFunction) -> dict[int, int]:
    old_lines = _lines(pre, old)
    new_lines = _lines(post, new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    out = {}
    for a, b, size in matcher.get_matching_blocks():
        for i in range(size):
            out[old.start_line + a + i] = new.start_line + b + i
    return out


def _lines(src: CSource, fn: CFunction) -> list[str]:
    return [line.strip() for line in src.text.split("\n")[fn.start_line - 1:fn.end_line]]


def _ending(src: CSource | None, name: str) -> dict[int, int]:
    """{line of the function's final ``return ...;``: line of its closing brace}: leaving by
    the last statement is leaving at the end, so ``}`` becoming ``return 0; }`` (a void
    function made int) keeps a violation there the same one; so does dropping a dead
    ``return 0;`` after the final one (each of a run of returns ending the body counts)."""
    fn = src.function(name) if src is not None else None
    if fn is None:
        return {}
    key = ("ending", name)
    if key not in src.memo:  # every rule of the patch asks
        lines = _lines(src, fn)
        ending: dict[int, int] = {}
        last = len(lines) - 2  # the line above the closing brace's
        while last > 0 and (not lines[last] or lines[last].startswith("return") and
                            lines[last].endswith(";")):
            if lines[last]:
                ending[fn.start_line + last] = fn.end_line
            last -= 1
        src.memo[key] = ending
    return src.memo[key]


def _identity(v: Violation, line_map: dict[int, int] | None,
              ending: dict[int, int] | None = None) -> tuple:
    """What makes a violation the same one before and after: resource, exit, acquire."""
    exit_line = (ending or {}).get(v.exit_line, v.exit_line)
    if line_map is None:
        return v.key, exit_line, v.acquire_line
    return v.key, line_map.get(exit_line, -exit_line), \
        line_map.get(v.acquire_line, -v.acquire_line) if v.acquire_line else 0


def _rewritten(v: Violation, line_map: dict[int, int] | None, kept: set[int],
               ending: dict[int, int] | None = None, src: CSource | None = None
               ) -> set[tuple]:
    """The identity of a violation whose exit or acquire is on a line the patch rewrote
    (``kzalloc(sizeof(T))`` -> ``kzalloc(sizeof(*p))``) while the other is on a line it
    kept: the rewritten one is left out, so the same resource leaving by the same exit,
    or taken by the same acquire, stays the same violation (``kept``: the post-image's
    lines the patch did not change; ``line_map`` None for a post-image violation). A
    rewritten acquire is also named by what its line calls, not only by where the result
    goes (``p->id = ida_alloc()`` -> ``id = ida_alloc(); ...; p->id = id;``)."""
    exit_line = (ending or {}).get(v.exit_line, v.exit_line)
    if line_map is not None:
        exit_line = line_map.get(exit_line, 0)
        acquire_line = line_map.get(v.acquire_line, 0)
    else:
        exit_line = exit_line if exit_line in kept else 0
        acquire_line = v.acquire_line if v.acquire_line in kept else 0
    if not v.acquire_line or bool(exit_line) == bool(acquire_line):
        return set()
    found = {(v.key, exit_line, acquire_line)}
    if not acquire_line and src is not None:
        found.add((frozenset(CALLED.findall(_statement(src, v.acquire_line))), exit_line, 0))
    return found


def _compare(rule, ctx: PatchContext, path: str, name: str, before: Verdict | None,
             after: Verdict | None, line_map: dict[int, int], pre_path: str = "",
             endings: tuple[dict[int, int], dict[int, int]] = ({}, {}),
             carried: dict[str, set[tuple]] | None = None,
             sources: tuple[CSource | None, CSource | None] = (None, None)) -> list[Finding]:
    """Findings of one function; ``pre_path``: where it was before (a moved function);
    ``endings``: each image's final return (``_ending``); ``carried``: violations moved
    between functions (``_carried``); ``sources``: the two images' parses."""
    if after is not None and after.verdict == "unknown" and after.reason and \
            not after.reason.startswith("no function"):
        said = ("not analysed", ctx.patch.index, path, name)
        if said in ctx.cache:  # one line per function, not one per rule
            return []
        ctx.cache[said] = True
        return [make_finding(rule, ctx, f"Could not analyse: {after.reason}; the exit-path "
                             "rules skipped it.", file=path, function=name, severity="info")]
    old = before.violations if before is not None and before.verdict == "fail" else []
    new = after.violations if after is not None and after.verdict == "fail" else []
    if before is not None and before.verdict == "unknown" and \
            not before.reason.startswith("no function"):
        # nothing to compare against: what the patch leaves is reported as still there
        return [_finding(rule, ctx, path, v, name, "preexisting", "post") for v in new]
    old_end, new_end = endings
    old_src, new_src = sources
    kept = set(line_map.values())
    old_ids = {i for v in old for i in _ids(v, line_map, kept, old_end, old_src)}
    new_ids = {i for v in new for i in _ids(v, None, kept, new_end, new_src)}
    carried = carried or {"pre": set(), "post": set()}
    found = [_finding(rule, ctx, path, v, name, "preexisting" if
                      _ids(v, None, kept, new_end, new_src) & old_ids or
                      (name, v.key, v.acquire_line) in carried["post"] else "introduced", "post")
             for v in new]
    if after is None or after.verdict != "unknown":
        found.extend(_finding(rule, ctx, pre_path or path, v, name, "fixed", "pre") for v in old
                     if not _ids(v, line_map, kept, old_end, old_src) & new_ids and
                     (name, v.key, v.acquire_line) not in carried["pre"])
    return found


def _ids(v: Violation, line_map: dict[int, int] | None, kept: set[int],
         ending: dict[int, int], src: CSource | None) -> set[tuple]:
    """Every identity of a violation (``_identity``, ``_rewritten``)."""
    return {_identity(v, line_map, ending)} | _rewritten(v, line_map, kept, ending, src)


def check_file(rule, text: str, path: str, analysis: Analysis) -> list[Finding]:
    """Every function of a whole file the rule covers (``lorebot paths``, rule examples)."""
    src = CSource(text)
    noreturn = noreturn_functions(rule)
    found = []
    for fn in src.functions():
        if rule.functions and fn.name not in rule.functions:
            continue
        result = verdict(src, fn.name, analysis, noreturn, settings=rule.pack.shared)
        for v in result.violations:
            found.append(Finding(rule=rule.id, severity=rule.severity, message=v.message,
                                 patch=None, kind=rule.kind, file=path, line=v.exit_line,
                                 function=fn.name,
                                 path=[Location(path, s.line, s.note) for s in v.steps]))
    return found
