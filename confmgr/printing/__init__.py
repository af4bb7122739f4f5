"""What every printed document shares: the page layout and the fonts, for PDF and DOCX.

:mod:`confmgr.printing.layout` holds the numbers (page, margins, sizes, spacing) and
:mod:`confmgr.printing.fonts` the serif family (a Times New Roman clone shipped as
package data, or the office's own Times New Roman).
"""
