"""Every action a service records for a meeting has words in the change log, and every
field it records literally has a label (or is hidden).

The calls are found in the source: ``record``/``entry_values`` imported from
``confmgr.audit.services`` (under any name) and called with ``meeting_id=``. An action
built at run time ("move_" + direction) is expanded through :data:`DYNAMIC`; a new kind
of dynamic action fails here until it is listed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from confmgr.audit.display import ACTIONS, FIELDS, HIDDEN
from confmgr.meetings.status import TRANSITIONS

ROOT = Path(__file__).resolve().parents[2] / "confmgr"
# The audit functions and where their ``action`` argument is (``entity`` follows it).
AUDIT_FUNCTIONS = {"record": 2, "entry_values": 1}
# An action made of literal parts and values: the pattern ({} for each value) -> the values.
DYNAMIC: dict[str, list[str]] = {
    "move_{}": ["up", "down"],
    "send_{}s": ["invitation", "reminder"],
    "retry_{}s": ["invitation", "reminder"],
}
# An action passed as a variable: (module, variable) -> its values.
VARIABLES: dict[tuple[str, str], list[str]] = {
    ("meetings/status.py", "action"): list(TRANSITIONS),
}


def _audit_names(tree: ast.Module) -> dict[str, int]:
    """The names the module calls the audit functions by -> the action's position."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "confmgr.audit.services":
            names.update({a.asname or a.name: AUDIT_FUNCTIONS[a.name] for a in node.names if a.name in AUDIT_FUNCTIONS})
    return names


def _pattern(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pattern(node.left), _pattern(node.right)
        return None if left is None or right is None else left + right
    return "{}"


def _actions(node: ast.expr, module: str) -> list[str]:
    if isinstance(node, ast.IfExp):
        return _actions(node.body, module) + _actions(node.orelse, module)
    if isinstance(node, ast.Name):
        assert (module, node.id) in VARIABLES, f"{module}: the action is the variable {node.id!r}; list its values in VARIABLES"
        return VARIABLES[(module, node.id)]
    pattern = _pattern(node)
    assert pattern is not None, f"{module}: an action this test cannot read: {ast.unparse(node)}"
    if "{}" not in pattern:
        return [pattern.replace("{{", "{").replace("}}", "}")]
    assert pattern in DYNAMIC, f"{module}: the action {ast.unparse(node)} is built at run time; list its values in DYNAMIC"
    return [pattern.format(*[v] * pattern.count("{}")) for v in DYNAMIC[pattern]]


def meeting_audit_calls() -> list[tuple[str, int, str, str, list[str]]]:
    """(module, line, action, entity, literal change keys) of every meeting-scoped audit call."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _audit_names(tree)
        if not names:
            continue
        module = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            scope = keywords.get("meeting_id")
            if scope is None or (isinstance(scope, ast.Constant) and scope.value is None):
                continue
            at = names[node.func.id]
            entity = node.args[at + 1]
            assert isinstance(entity, ast.Constant), f"{module}:{node.lineno}: the entity should be a literal"
            changes = keywords.get("changes")
            keys = []
            if isinstance(changes, ast.Dict):
                keys = [k.value for k in changes.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for action in _actions(node.args[at], module):
                found.append((module, node.lineno, action, str(entity.value), keys))
    return found


def test_the_scan_finds_the_audit_calls() -> None:
    calls = {(action, entity) for _m, _l, action, entity, _k in meeting_audit_calls()}
    # Calls of every shape: literal, conditional, built, variable, a Core insert's values.
    for expected in [("create", "meeting"), ("seal", "issued_document"), ("correct", "issued_document"),
                     ("move_up", "agenda_item"), ("retry_reminders", "meeting"), ("reopen", "meeting"),
                     ("technical_check", "site"), ("edit", "minutes")]:
        assert expected in calls, expected


def test_every_meeting_action_has_words_in_the_change_log() -> None:
    missing = sorted({(f"{m}:{line}", a, e) for m, line, a, e, _k in meeting_audit_calls() if (a, e) not in ACTIONS})
    assert missing == [], "add these (action, entity) to confmgr.audit.display.ACTIONS: " + repr(missing)


def test_every_recorded_field_has_a_label() -> None:
    missing = sorted({(f"{m}:{line}", k) for m, line, _a, _e, keys in meeting_audit_calls() for k in keys
                      if k not in FIELDS and k not in HIDDEN})
    assert missing == [], "add these keys to FIELDS (or HIDDEN) in confmgr.audit.display: " + repr(missing)
