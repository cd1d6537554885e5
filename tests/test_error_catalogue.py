"""Every refusal the server can give a form is worded by the console in both languages.

The server's `message` is English; the console words an error by its `code` and `field`
(webui/js/errors.js). This walks the source of `appliance/` for every domain error raised with a
field (directly, or through a helper such as `clean_name(value, "display_name")`) and asks the
console's own lookup, in Node, for the message key it would use: each must have one.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from conftest import require_or_skip

ROOT = Path(__file__).resolve().parent.parent
APPLIANCE = ROOT / "appliance"
CODES = {"Invalid": "invalid", "NotFound": "not_found", "Forbidden": "forbidden",
         "Conflict": "conflict", "DuplicateCustomer": "conflict", "TooLarge": "too_large"}
# The command line prints its own (English) errors; no form of the console reaches it.
NOT_FORMS = {"cli.py", "desktop.py", "desktop_qt.py"}
# Fields only visitors send (the widget words these, embed/); `page.*` and `identify.*` too.
VISITOR_ONLY = {"site_key", "page", "identify", "contact", "contact.email", "contact.phone",
                "contact.wechat",
                "rating", "comment", "cursors", "timeout", "category_id", "email",
                "visitor_token", "presence", "invitation_id", "reply", "message_id", "draft"}
VISITOR_ONLY_PREFIXES = ("page.", "identify.")


class Walker(ast.NodeVisitor):
    """Collects (code, field) of every domain error raised in one module."""

    def __init__(self, module: ast.Module, passers: dict[str, tuple[str, int]]) -> None:
        self.passers = passers  # function -> (its parameter that is a field, its position)
        self.constants = string_constants(module.body)
        self.loops: list[dict[str, list[str]]] = []
        self.params: list[set[str]] = []
        self.found: set[tuple[str, str | None]] = set()
        self.unresolved: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        self.params.append({a.arg for a in args.posonlyargs + args.args + args.kwonlyargs})
        self.loops.append({name: [value] for name, value in string_constants(node.body).items()})
        self.generic_visit(node)
        self.loops.pop()
        self.params.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_For(self, node: ast.For) -> None:
        bound = loop_values(node)
        self.loops.append(bound)
        self.generic_visit(node)
        self.loops.pop()

    def values(self, node: ast.expr | None) -> list[str] | None:
        """The strings an expression can be, or None when it cannot be told statically."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name):
            for bound in reversed(self.loops):
                if node.id in bound:
                    return bound[node.id]
            if node.id in self.constants:
                return [self.constants[node.id]]
        if isinstance(node, ast.JoinedStr) and len(node.values) == 2:
            head, tail = node.values
            if isinstance(head, ast.Constant) and isinstance(tail, ast.FormattedValue):
                rest = self.values(tail.value)
                return None if rest is None else [head.value + r for r in rest]
        return None

    def passes_through(self, node: ast.expr | None) -> bool:
        return isinstance(node, ast.Name) and bool(self.params) and node.id in self.params[-1]

    def record(self, code: str, node: ast.expr | None, where: int) -> None:
        if node is None:
            self.found.add((code, None))
            return
        if self.passes_through(node):
            return  # a helper's parameter: resolved where the helper is called
        values = self.values(node)
        if values is None:
            self.unresolved.append(f"line {where}: {ast.unparse(node)}")
        else:
            self.found.update((code, value) for value in values)

    def visit_Call(self, node: ast.Call) -> None:
        name = callee(node)
        keyword = {k.arg: k.value for k in node.keywords}
        if name in CODES:
            self.record(CODES[name], keyword.get("field"), node.lineno)
        elif name in self.passers:
            param, position = self.passers[name]
            argument = keyword.get(param)
            if argument is None and len(node.args) > position:
                argument = node.args[position]
            if argument is not None:  # else the helper's default, recorded as a passer default
                self.record("invalid", argument, node.lineno)
        self.generic_visit(node)


def string_constants(body: list[ast.stmt]) -> dict[str, str]:
    """`NAME = "text"` statements of a module or function body."""
    return {t.id: n.value.value for n in body if isinstance(n, ast.Assign)
            for t in n.targets if isinstance(t, ast.Name)
            and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}


def callee(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def loop_values(node: ast.For) -> dict[str, list[str]]:
    """`for name in ("a", "b")` and `for name, value in (("a", x), ...)`: what `name` can be."""
    if not isinstance(node.iter, ast.Tuple | ast.List):
        return {}
    items = node.iter.elts
    if isinstance(node.target, ast.Name):
        if all(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
            return {node.target.id: [i.value for i in items]}  # type: ignore[attr-defined]
    elif isinstance(node.target, ast.Tuple) and isinstance(node.target.elts[0], ast.Name):
        firsts = [i.elts[0] for i in items if isinstance(i, ast.Tuple)]
        if len(firsts) == len(items) and all(isinstance(f, ast.Constant) for f in firsts):
            return {node.target.elts[0].id: [f.value for f in firsts]}  # type: ignore[attr-defined]
    return {}


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(APPLIANCE.rglob("*.py")):
        if path.name not in NOT_FORMS:
            yield path, ast.parse(path.read_text("utf-8"))


def field_passers() -> tuple[dict[str, tuple[str, int]], set[tuple[str, str | None]]]:
    """Functions that raise a domain error with `field=` one of their own parameters (or hand it
    to such a function), and the fields their defaults give (`clean_login(value, "login")`)."""
    passers: dict[str, tuple[str, int]] = {}
    while True:
        known = len(passers)
        defaults = _find_passers(passers)
        if len(passers) == known:
            return passers, defaults


def _find_passers(passers: dict[str, tuple[str, int]]) -> set[tuple[str, str | None]]:
    defaults: set[tuple[str, str | None]] = set()
    for _, module in modules():
        for fn in ast.walk(module):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            for call in ast.walk(fn):
                if not (isinstance(call, ast.Call) and (callee(call) in CODES or callee(call) in
                                                         passers)):
                    continue
                for k in call.keywords:
                    if isinstance(k.value, ast.Name) and k.value.id in positional:
                        passers[fn.name] = (k.value.id, positional.index(k.value.id))
                # Only the argument in the field's own position passes a field on
                # (`only_fields(data, allowed, what)` names `what`, not `allowed`).
                for index, a in enumerate(call.args[1:], start=1):
                    if (isinstance(a, ast.Name) and a.id in positional
                            and callee(call) in passers and index == passers[callee(call)][1]):
                        passers[fn.name] = (a.id, positional.index(a.id))
            if fn.name in passers:
                param = passers[fn.name][0]
                pairs = dict(zip(positional[::-1], fn.args.defaults[::-1], strict=False))
                default = pairs.get(param)
                if isinstance(default, ast.Constant) and isinstance(default.value, str):
                    defaults.add(("invalid", default.value))
    return defaults


def raised_fields() -> tuple[set[tuple[str, str | None]], list[str]]:
    passers, found = field_passers()
    unresolved: list[str] = []
    for path, module in modules():
        walker = Walker(module, passers)
        walker.visit(module)
        found |= walker.found
        unresolved += [f"{path.relative_to(ROOT)} {u}" for u in walker.unresolved]
    return found, unresolved


def for_forms(pairs: set[tuple[str, str | None]]) -> set[tuple[str, str | None]]:
    return {(code, field) for code, field in pairs if field is None or (
        field not in VISITOR_ONLY and not field.startswith(VISITOR_ONLY_PREFIXES))}


def console_keys(pairs: list[tuple[str, str | None]]) -> dict[str, list[str | None]]:
    """The catalogue key the console's errorMessage would use for each pair, per language."""
    node = shutil.which("node")
    require_or_skip(node is not None, "node is not installed")
    script = (
        "import { errorKey } from './webui/js/errors.js';"
        "import { CATALOGS } from './webui/js/i18n.js';"
        "const pairs = JSON.parse(process.argv[1]);"
        "const out = {};"
        "for (const [lang, catalog] of Object.entries(CATALOGS)) {"
        "  const has = (key) => Object.hasOwn(catalog, key);"
        "  out[lang] = pairs.map(([code, field]) => errorKey({ code, field }, has));"
        "}"
        "console.log(JSON.stringify(out));")
    result = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(pairs)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_the_walk_sees_every_raise_it_must_word() -> None:
    found, unresolved = raised_fields()
    # Only these cannot be told from the source: unknown keys (only_fields names whatever was
    # sent, and the console sends none), the visitor's page fields and the company's own
    # customer fields (`custom.<key>`: worded by `error.invalid.custom`, asserted below).
    custom = [u for u in unresolved if u.startswith("appliance/domain/customers.py ")]
    assert custom and all("custom" in u or u.endswith(": where") for u in custom), custom
    assert sorted(u.split(" ", 1)[0] for u in unresolved if u not in custom) == [
        "appliance/domain/validation.py", "appliance/services/visitors.py"], unresolved
    forms = for_forms(found)
    # The walk finds what a reader would expect, through helpers, loops and constants.
    for pair in [("invalid", "display_name"), ("invalid", "owner.login"),
                 ("invalid", "business_hours"), ("invalid", "prechat_fields"),
                 ("invalid", "unanswered_seconds"), ("invalid", "site_id"), ("conflict", "login"),
                 ("invalid", "agent_id"), ("not_found", "team_id"), ("too_large", "file"),
                 ("invalid", "login"), ("invalid", "allowed_origins"), ("invalid", None),
                 ("invalid", "custom")]:
        assert pair in forms, pair
    assert ("invalid", "site_key") not in forms


def test_every_refusal_of_a_form_has_words_in_both_languages() -> None:
    found, _ = raised_fields()
    pairs = sorted(for_forms(found), key=lambda p: (p[0], p[1] or ""))
    keys = console_keys([list(p) for p in pairs])
    for lang, chosen in keys.items():
        missing = [f"{code}:{field}" for (code, field), key in zip(pairs, chosen, strict=True)
                   if key is None]
        assert missing == [], f"{lang} has no wording for {missing}"
        generic = [f"{code}:{field}" for (code, field), key in zip(pairs, chosen, strict=True)
                   if field is not None and key == f"error.{code}"]
        assert generic == [], f"{lang} words these only generically: {generic}"
