"""Signing parts without a database: settings, images, placement, text stamp, the update check."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from confmgr.errors import InvalidInput
from confmgr.printing.fonts import load_fonts
from confmgr.signing import appearance, validation
from confmgr.signing.config import signing_settings_from_env
from tests.integration.signing.conftest import external_sign
from tests.signing_pki import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont(load_fonts(None).regular, 13)
    c.drawString(380, 300, "GIÁM ĐỐC")
    c.drawString(380, 200, "Trần Minh Hoàng")
    c.showPage()
    c.save()
    return out.getvalue()


def _png(mode: str = "RGBA", size: tuple[int, int] = (200, 80)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def test_settings_from_env() -> None:
    s = signing_settings_from_env({"CONFMGR_AGENCY_P12": "/k.p12", "CONFMGR_TSA_URL": "http://tsa", "CONFMGR_TRUST_ROOTS": "/t"})
    assert s.sealing_configured and s.tsa_url == "http://tsa" and s.trust_roots == Path("/t")
    assert not signing_settings_from_env({}).sealing_configured
    assert signing_settings_from_env({"CONFMGR_PKCS11_MODULE": "/lib.so"}).sealing_configured


def test_png_checks() -> None:
    assert appearance.check_png(_png()) == _png()
    for bad, word in ((b"", "Choose"), (b"GIF89a", "PNG"), (_png("RGB"), "transparent"), (_png(size=(3000, 10)), "pixels")):
        with pytest.raises(InvalidInput) as err:
            appearance.check_png(bad)
        assert word in err.value.message


def test_place_between_title_and_name_and_seal_over_left_third() -> None:
    place = appearance.find_signer_place(_pdf(), "Trần Minh Hoàng")
    assert place.found and place.page == 0
    assert 200 < place.bottom < place.top < 300
    box = appearance.signer_box(place, _png(size=(300, 100)))
    assert place.bottom <= box.y0 < box.y1 <= place.top
    assert abs((box.x0 + box.x1) / 2 - place.center_x) < 0.01
    seal = appearance.seal_box(box, _png(size=(400, 400)), 36)
    assert abs(seal.width - 36 * 72 / 25.4) < 0.01 and abs(seal.x1 - (box.x0 + box.width / 3)) < 0.01


def test_text_stamp_has_the_vietnam_offset() -> None:
    text = appearance.stamp_text("signer", "Trần Minh Hoàng", "Sở Nội vụ", datetime(2021, 12, 27, 2, 30, 12, tzinfo=timezone.utc))
    assert "2021-12-27T09:30:12+07:00" in text and "Ký bởi: Trần Minh Hoàng" in text


def test_update_check_allows_signatures_only(pki: Pki) -> None:
    pdf = _pdf()
    signed = external_sign(pdf, pki.signer)
    assert validation.content_changes_after(signed, len(pdf)) is None
    assert validation.content_changes_after(external_sign(signed, pki.agency, field_name="B", box=(50, 50, 150, 150)), len(pdf)) is None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"BT 100 100 Td (FAKE) Tj ET")))
    out = io.BytesIO()
    writer.write(out)
    assert "page keys changed" in (validation.content_changes_after(external_sign(out.getvalue(), pki.signer), len(pdf)) or "")


def test_appendix_text_is_the_number_and_the_vietnam_time() -> None:
    moment = datetime(2021, 12, 27, 2, 30, 12, tzinfo=timezone.utc)
    assert appearance.appendix_text("05/BB-SNV", moment) == "05/BB-SNV\n2021-12-27T09:30:12+07:00"
    box = appearance.appendix_box((0, 0, 595.28, 841.89), "05/BB-SNV\n2021-12-27T09:30:12+07:00", load_fonts(None).regular)
    assert box.page == 0 and abs(box.x1 - (595.28 - 15 * appearance.MM)) < 0.01 and abs(box.y1 - (841.89 - 5 * appearance.MM)) < 0.01
    assert box.height == 2 * appearance.APPENDIX_LEADING + 2 * appearance.APPENDIX_PADDING
