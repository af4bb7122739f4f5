"""Finding a page of a long PDF without opening every page object.

pyHanko parses each object in Python; its page lookup opens every page before the one
it wants, which for the last page of a 350-page minutes costs more than the signature
itself. Signatures go on the last pages (the signature block) or the first (an
appendix's agency signature), so the walk here starts from the nearer end of the page
tree and opens only the objects between that end and the page.
"""

from __future__ import annotations

from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader

MAX_DEPTH = 32


def ref(value: Any) -> Any:
    return value.reference if hasattr(value, "reference") else value


def find_page(handler: Any, page_ix: int) -> tuple[generic.IndirectObject, Any]:
    """The page ``page_ix`` (negative: from the end) as pyHanko's
    ``find_page_for_modification`` gives it: the page's reference and its (possibly
    inherited) resource dictionary."""
    root_ref = handler.root.raw_get("/Pages")
    if not isinstance(root_ref, generic.IndirectObject):
        raise PdfReadError("The page tree root must be an indirect object")
    node = root_ref.get_object()
    count = int(node["/Count"])
    if page_ix < 0:
        page_ix += count
    if not 0 <= page_ix < count:
        raise PdfError("Page index out of range")
    resources: Any = generic.DictionaryObject()
    seen = {root_ref.reference}
    first = 0  # index of the first page under ``node``
    for _depth in range(MAX_DEPTH):
        if "/Resources" in node:
            resources = node.raw_get("/Resources")
        kids = node["/Kids"]
        size = int(node["/Count"])
        backwards = page_ix - first >= size / 2
        # ``at`` is the index of the next page met in the walk's direction.
        at = first + size - 1 if backwards else first
        descended = False
        for i in range(len(kids) - 1, -1, -1) if backwards else range(len(kids)):
            kid_ref = kids.raw_get(i)
            if not isinstance(kid_ref, generic.IndirectObject):
                raise PdfReadError("Page tree node children must be indirect objects")
            if kid_ref.reference in seen:
                raise PdfReadError("Circular reference in page tree")
            kid = kid_ref.get_object()
            kind = kid["/Type"]
            if kind == "/Pages":
                inside = int(kid["/Count"])
                start = at - inside + 1 if backwards else at
                if start <= page_ix < start + inside:
                    node, first, descended = kid, start, True
                    seen.add(kid_ref.reference)
                    break
                at = at - inside if backwards else at + inside
            elif kind == "/Page":
                if at == page_ix:
                    return kid_ref, kid.raw_get("/Resources") if "/Resources" in kid else resources
                at = at - 1 if backwards else at + 1
        if not descended:
            raise PdfError("Page not found")
    raise PdfReadError("The page tree is too deep")


def page_index(reader: PdfFileReader, page_ref: Any) -> int | None:
    """The index of the page ``page_ref`` (a reference), going up its ``/Parent``
    links and counting, at each level, the pages on the nearer side of it; None when
    the tree does not hold together."""
    try:
        root_ref = ref(reader.root.raw_get("/Pages"))
        child_ref, child, child_count = page_ref, reader.get_object(page_ref), 1
        if child.get("/Type") != "/Page":
            return None
        index = 0
        seen = {child_ref}
        for _depth in range(MAX_DEPTH):
            if child_ref == root_ref:
                return index
            parent_raw = child.raw_get("/Parent")
            parent_ref = ref(parent_raw)
            if parent_ref in seen:
                return None
            seen.add(parent_ref)
            parent = parent_raw.get_object()
            kids = parent["/Kids"]
            refs = [ref(kids.raw_get(i)) for i in range(len(kids))]
            if child_ref not in refs:
                return None
            at = refs.index(child_ref)

            def pages_in(i: int) -> int:
                kid = kids[i]
                kind = kid.get("/Type")
                return int(kid["/Count"]) if kind == "/Pages" else 1 if kind == "/Page" else 0

            if at <= len(refs) - 1 - at:
                index += sum(pages_in(i) for i in range(at))
            else:
                index += int(parent["/Count"]) - child_count - sum(pages_in(i) for i in range(at + 1, len(refs)))
            child_ref, child, child_count = parent_ref, parent, int(parent["/Count"])
    except (KeyError, TypeError, AttributeError, ValueError, PdfReadError):
        return None
    return None


def _inherited(page: Any, key: str) -> Any:
    node = page
    for _depth in range(MAX_DEPTH):
        if key in node:
            return node[key]
        if "/Parent" not in node:
            return None
        node = node["/Parent"]
    return None


def visible_box(page: Any) -> tuple[float, float, float, float]:
    """A page's crop box (else its media box), each possibly inherited from the page
    tree, as ``(x0, y0, x1, y1)`` with ``x0 < x1`` and ``y0 < y1``."""
    box = _inherited(page, "/CropBox") or _inherited(page, "/MediaBox")
    if box is None:
        raise PdfReadError("The page has no media box")
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


class Writer(IncrementalPdfFileWriter):
    """pyHanko's incremental writer with the page lookup above."""

    def find_page_for_modification(self, page_ix: int) -> tuple[generic.IndirectObject, Any]:
        return find_page(self, page_ix)
