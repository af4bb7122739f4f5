"""Every message the code and templates show has a Vietnamese translation in NFC."""

from __future__ import annotations

import unicodedata

from confmgr.i18n import catalog, gettext, negotiate
from confmgr.i18n.extract import message_ids, missing


def test_every_message_is_translated_to_vietnamese() -> None:
    assert message_ids(), "extraction found no message at all"
    assert missing("vi") == {}


def test_translations_are_nfc_and_keep_placeholders() -> None:
    import re

    for message_id, text in catalog("vi").items():
        assert unicodedata.is_normalized("NFC", text), message_id
        assert set(re.findall(r"\{(\w+)\}", message_id)) == set(re.findall(r"\{(\w+)\}", text)), message_id


def test_vietnamese_is_the_default_and_english_the_fallback() -> None:
    assert negotiate(None) == "vi"
    assert negotiate("en") == "en"
    assert negotiate("fr") == "vi"
    assert gettext("Log in", locale="vi") == "Đăng nhập"
    assert gettext("Log in", locale="en") == "Log in"
