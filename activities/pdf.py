"""Documents as PDF: fpdf2's HTML subset on A4, with the seller's footer on every page."""

import unicodedata

from fpdf import FPDF, TextStyle
from fpdf.html import HTML2FPDF

# Core PDF fonts are latin-1 only; these have no NFKD decomposition to fall back on.
_LATIN1_FALLBACKS = {
    "\N{EURO SIGN}": "EUR",
    "\N{LEFT SINGLE QUOTATION MARK}": "'",
    "\N{RIGHT SINGLE QUOTATION MARK}": "'",
    "\N{SINGLE LOW-9 QUOTATION MARK}": "'",
    "\N{LEFT DOUBLE QUOTATION MARK}": '"',
    "\N{RIGHT DOUBLE QUOTATION MARK}": '"',
    "\N{DOUBLE LOW-9 QUOTATION MARK}": '"',
    "\N{EN DASH}": "-",
    "\N{EM DASH}": "-",
    "\N{MINUS SIGN}": "-",
    "\N{HORIZONTAL ELLIPSIS}": "...",
    "\N{BULLET}": "-",
    "\N{LATIN CAPITAL LETTER L WITH STROKE}": "L",
    "\N{LATIN SMALL LETTER L WITH STROKE}": "l",
    "\N{LATIN CAPITAL LETTER D WITH STROKE}": "D",
    "\N{LATIN SMALL LETTER D WITH STROKE}": "d",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
    "\N{LATIN CAPITAL LIGATURE OE}": "OE",
    "\N{LATIN SMALL LIGATURE OE}": "oe",
}

_PDF_TAG_STYLES = {
    "h1": TextStyle(font_size_pt=17, color="#1f4e79", t_margin=0, b_margin=0.3),
    "h2": TextStyle(font_size_pt=12.5, color="#1f4e79", t_margin=4, b_margin=0.4),
    "h3": TextStyle(font_size_pt=10.5, color="#1f2933", t_margin=3, b_margin=0.2),
}


def to_latin1(text: str) -> str:
    """Text the core PDF fonts can draw: `Strojírny Novák` stays, `ř` becomes `r`."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    chars: list[str] = []
    for char in text:
        if ord(char) < 256:
            chars.append(char)
        elif char in _LATIN1_FALLBACKS:
            chars.append(_LATIN1_FALLBACKS[char])
        else:
            base = unicodedata.normalize("NFKD", char)
            kept = "".join(c for c in base if ord(c) < 256 and not unicodedata.combining(c))
            chars.append(kept or "?")
    return "".join(chars)


class _Html(HTML2FPDF):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag == "table":
            # fpdf2 2.8 queues the blank line it puts before a table and draws it after
            # the table; drawing it now keeps the space where it belongs.
            self._column.render()


class _Pdf(FPDF):
    HTML2FPDF_CLASS = _Html

    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self._footer = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self._footer}  |  page {self.page_no()} of {{nb}}", align="C")


def html_to_pdf(body: str, title: str, author: str) -> bytes:
    """A4 PDF of fpdf2-compatible HTML in Helvetica, every character made latin-1 first."""
    pdf = _Pdf(to_latin1(f"{author}  |  {title}"))
    pdf.set_title(to_latin1(title))
    pdf.set_author(to_latin1(author))
    pdf.set_creator("salesflow")
    pdf.set_margins(left=18, top=16, right=18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", size=9.5)
    pdf.write_html(
        to_latin1(body),
        font_family="helvetica",
        tag_styles=_PDF_TAG_STYLES,
        table_line_separators=True,
    )
    return bytes(pdf.output())
