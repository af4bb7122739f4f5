"""Finding a page from the nearer end of the page tree gives what pyHanko's walk gives."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen import canvas

from confmgr.printing.fonts import load_fonts
from confmgr.signing import appearance, pages


def nested_pdf() -> bytes:
    """Seven pages in a page tree with nested nodes, an empty node and inherited
    resources: root [node A [p0, p1], p2, node B [empty node, p3, node C [p4, p5]], p6]."""
    objects: dict[int, bytes] = {}
    page_ids = [10, 11, 12, 13, 14, 15, 16]
    parents = {10: 3, 11: 3, 12: 2, 13: 4, 14: 6, 15: 6, 16: 2}
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = b"<< /Type /Pages /Kids [3 0 R 12 0 R 4 0 R 16 0 R] /Count 7 /MediaBox [0 0 595 842] /Resources << /ProcSet [/PDF] >> >>"
    objects[3] = b"<< /Type /Pages /Parent 2 0 R /Kids [10 0 R 11 0 R] /Count 2 >>"
    objects[4] = b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 13 0 R 6 0 R] /Count 3 /Resources << /ProcSet [/PDF /Text] >> >>"
    objects[5] = b"<< /Type /Pages /Parent 4 0 R /Kids [] /Count 0 >>"
    objects[6] = b"<< /Type /Pages /Parent 4 0 R /Kids [14 0 R 15 0 R] /Count 2 >>"
    for n, pid in enumerate(page_ids):
        own = b" /Resources << /ProcSet [/PDF /ImageB] >>" if n == 5 else b""
        objects[pid] = b"<< /Type /Page /Parent %d 0 R /Contents %d 0 R%s >>" % (parents[pid], 20 + n, own)
        content = b"BT ET % page " + str(n).encode()
        objects[20 + n] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (num, objects[num]))
    size = max(objects) + 1
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for num in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n")
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def flat_pdf(count: int) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    for n in range(count):
        c.setFont(load_fonts(None).regular, 13)
        c.drawString(100, 700, f"Trang {n + 1}")
        if n == count - 1:
            c.drawString(380, 300, "GIÁM ĐỐC")
            c.drawString(380, 200, "Trần Minh Hoàng")
        c.showPage()
    c.save()
    return out.getvalue()


@pytest.mark.parametrize("pdf", [nested_pdf(), flat_pdf(9)], ids=["nested", "flat"])
def test_every_page_as_pyhanko_finds_it(pdf: bytes) -> None:
    ours = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    theirs = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    count = int(theirs.root["/Pages"]["/Count"])
    for index in [*range(count), -1, -2, -count]:
        page, resources = pages.find_page(ours, index)
        want_page, want_resources = theirs.find_page_for_modification(index)
        assert page.reference == want_page.reference, index
        assert pages.ref(resources) == pages.ref(want_resources) or resources == want_resources, index
        assert pages.page_index(PdfFileReader(io.BytesIO(pdf), strict=False), page.reference) == index % count
    for wrong in (count, -count - 1):
        with pytest.raises(PdfError):
            pages.find_page(ours, wrong)


def _opened(writer: IncrementalPdfFileWriter, index: int, find: Any) -> set[int]:
    """The objects read to find page ``index``."""
    opened: set[int] = set()
    reader = writer.prev
    original = reader.get_object

    def counting(ref: Any, *args: Any, **kwargs: Any) -> Any:
        opened.add(ref.idnum)
        return original(ref, *args, **kwargs)

    reader.get_object = counting  # type: ignore[method-assign]
    page, _resources = find(index)
    assert page.get_object()["/Type"] == "/Page"
    return opened


def test_the_last_page_is_found_without_reading_the_others() -> None:
    pdf = flat_pdf(40)
    writer = pages.Writer(io.BytesIO(pdf), strict=False)
    assert len(_opened(writer, -1, writer.find_page_for_modification)) <= 3  # the catalog, the tree root, the page
    plain = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    assert len(_opened(plain, -1, plain.find_page_for_modification)) > 40  # pyHanko's own walk reads them all
    assert len(_opened(writer, 0, writer.find_page_for_modification)) <= 3


def test_signer_place_on_the_last_page_of_a_long_document() -> None:
    place = appearance.find_signer_place(flat_pdf(30), "Trần Minh Hoàng")
    assert place.found and place.page == 29 and 200 < place.bottom < place.top < 300
    # Without a name: the first block of the last page; a name not there: the lower right.
    assert appearance.find_signer_place(flat_pdf(30), None).page == 29
    missing = appearance.find_signer_place(flat_pdf(30), "Người Khác")
    assert not missing.found and missing.page == 29
