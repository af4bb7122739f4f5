"""A link holds at most ``CONFMGR_LIVE_STREAMS_PER_LINK`` live streams (#13 row 18)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.live.test_site_streams import OpenStream, _meeting, _open, _site


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"CONFMGR_LIVE_STREAMS_PER_LINK": "2"}


def test_row18_a_link_holds_at_most_the_configured_streams(client: Any, app: Any, admin_api: dict[str, str]) -> None:
    m, _items = _meeting(client, admin_api)
    _a, token_a = _site(client, admin_api, m, "UBND xã Hòa Bình")
    _b, token_b = _site(client, admin_api, m, "UBND xã An Phú")
    call = client.blocking_portal.call
    first, second = _open(client, app, token_a), _open(client, app, token_a)
    assert first.status == second.status == 200
    refused = OpenStream(app, f"/s/{token_a}/live")
    try:
        # A clear refusal, in Vietnamese, and nothing streamed.
        assert call(refused.start) == 429
        text = refused.body.decode()
        assert "quá nhiều màn hình theo dõi trực tiếp" in text and "tối đa 2" in text
        assert "event:" not in text
        # Another link is not affected.
        other = _open(client, app, token_b)
        assert other.status == 200
        call(other.close)
        # Closing one stream frees its place.
        call(first.close)
        again = _open(client, app, token_a)
        assert again.status == 200
        call(again.close)
    finally:
        for s in (first, second):
            call(s.close)
