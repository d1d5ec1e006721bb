"""The PDF typeface: an embedded Unicode TrueType font, so every patient's name prints.

Helvetica (a PDF base font) only knows Latin-1: "Nguyễn" or "Łukasz" would print as
boxes on a DEA log. DejaVu Sans (condensed) covers far more scripts and is on most Linux systems;
reportlab's own Bitstream Vera is the fallback that is always there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)


@cache
def font_names() -> tuple[str, str]:
    """Register the regular and bold faces once; return their names."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in _DEJAVU_DIRS:
        # The condensed cut sets about as wide as Helvetica, so the log's columns still fit.
        regular = folder / "DejaVuSansCondensed.ttf"
        bold = folder / "DejaVuSansCondensed-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("VialbookSans", str(regular)))
            pdfmetrics.registerFont(TTFont("VialbookSans-Bold", str(bold)))
            return "VialbookSans", "VialbookSans-Bold"
    bundled = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("VialbookSans", str(bundled / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("VialbookSans-Bold", str(bundled / "VeraBd.ttf")))
    return "VialbookSans", "VialbookSans-Bold"
