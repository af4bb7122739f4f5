"""Finds every message id in the code and templates (``python -m confmgr.i18n.extract``).

Prints the ids that a locale's catalog does not translate yet, as ``.po`` entries
ready to fill in; the test suite fails while any is missing in Vietnamese.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

from confmgr.i18n import EXTRACT_KEYWORDS, catalog
from confmgr.settings import PROJECT_ROOT


def message_ids() -> dict[str, str]:
    """Message id -> first place it appears."""
    found: dict[str, str] = {}
    sources = [
        (PROJECT_ROOT / "confmgr", [("**.py", "python")], EXTRACT_KEYWORDS),
        (PROJECT_ROOT / "templates", [("**.html", "jinja2")], {"_": None, "in_each_language": None}),
    ]
    for folder, method_map, keywords in sources:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(folder), method_map=method_map, keywords=keywords, comment_tags=(), strip_comment_tags=True
        ):
            if isinstance(message, tuple):
                message = message[0]
            if message and message not in found:
                found[message] = f"{Path(folder).name}/{filename}:{lineno}"
    return found


def missing(locale: str) -> dict[str, str]:
    translations = catalog(locale)
    return {mid: where for mid, where in message_ids().items() if mid not in translations}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def main(argv: list[str]) -> int:
    locale = argv[1] if len(argv) > 1 else "vi"
    todo = missing(locale)
    for message, where in todo.items():
        print(f"#: {where}\nmsgid \"{_po_escape(message)}\"\nmsgstr \"\"\n")
    print(f"# {len(todo)} message(s) without a {locale} translation", file=sys.stderr)
    return 1 if todo else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
