"""The page every printed document shares, PDF and DOCX alike (Nghị định 30/2020, Appendix I).

One set of numbers, so the ReportLab PDF and the Word document of the same content
break their lines and pages at the same words. Lengths are in millimetres or points
as named; builders convert to their own units.
"""

from __future__ import annotations

__all__ = [
    "AGENCY_COLUMN_SHARE",
    "BODY_FIRST_LINE_INDENT_MM",
    "BODY_LEADING",
    "BODY_SIZE",
    "BODY_SPACE_AFTER",
    "DRAFT_MARK",
    "FONT_NAME",
    "HEADER_LEADING",
    "HEADER_SIZE",
    "MARGINS_MM",
    "MOTTO",
    "MOTTO_SIZE",
    "MOTTO_SUBTITLE",
    "NOTICE_RECIPIENTS_EXTRA_MM",
    "PAGE_HEIGHT_MM",
    "PAGE_NUMBER_SIZE",
    "PAGE_WIDTH_MM",
    "RECIPIENT_LEADING",
    "RECIPIENT_SIZE",
    "RECIPIENTS_LABEL_LEADING",
    "RECIPIENTS_LABEL_SIZE",
    "SIGNATURE_SPACE_PT",
    "TEXT_WIDTH_MM",
    "TITLE_LEADING",
    "TITLE_SIZE",
]

# Every office sets its documents in Times New Roman; the Word file names it and the
# PDF embeds a metric-compatible clone (see :mod:`confmgr.printing.fonts`).
FONT_NAME = "Times New Roman"

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210.0, 297.0  # A4 portrait
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]

# Header columns: 42 % for the agency, 58 % for the national motto, which must fit
# "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" on one line.
AGENCY_COLUMN_SHARE = 0.42
# The notice's recipients column is the agency column and 5 mm more.
NOTICE_RECIPIENTS_EXTRA_MM = 5

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUBTITLE = "Độc lập - Tự do - Hạnh phúc"
DRAFT_MARK = "DỰ THẢO"

# Sizes in points, line distances ("leading") in points, fixed in both formats: a
# Word "multiple" spacing depends on the font's own line gap and would drift.
HEADER_SIZE = 13
MOTTO_SIZE = 12
HEADER_LEADING = 15
TITLE_SIZE = 14
TITLE_LEADING = 17
BODY_SIZE = 14
BODY_LEADING = 17  # about 1.2 lines: the decree allows single to 1.5
BODY_SPACE_AFTER = 6  # at least 6 pt between paragraphs
BODY_FIRST_LINE_INDENT_MM = 10
RECIPIENTS_LABEL_SIZE = 12
RECIPIENTS_LABEL_LEADING = 14
RECIPIENT_SIZE = 11
RECIPIENT_LEADING = 13
PAGE_NUMBER_SIZE = 13
# Room between the signer's title and name for the signature and the seal.
SIGNATURE_SPACE_PT = 68
