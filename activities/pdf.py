"""Documents as PDF: fpdf2's HTML subset on A4, with the seller's footer on every page.

Text is drawn in Kurinto Sans, an OFL pan-Unicode family that the `weblate-fonts` package
ships, embedded as a subset so every name and company prints as written: Latin, Greek,
Cyrillic, Arabic, Hebrew, Indic and more from the main font; Chinese, Japanese and Korean
from the Kurinto CJK fonts as fallbacks. HarfBuzz shapes right-to-left and complex scripts.

Speed: the whole pan-Unicode font costs ~0.1 s to load per document, so documents load the
smallest cut of it that has their characters (made once per machine, `_cut`): the Latin one
(1,900 glyphs) or the one with the everyday scripts (5,000), and the fonts of other scripts
only when their text needs them (a one-page quote renders in ~70 ms in Latin, 130 ms were it
in the everyday cut, ~100 ms in Greek, ~0.4 s in Japanese); text is shaped only when it has a
script that needs it. Nothing parsed is shared between documents: fpdf2 subsets each font
object in place when it writes the PDF, so a shared one would carry one document's glyphs
into the next. Only the sets of characters each font file covers are cached: they never
change.
"""

import html
import os
import tempfile
import unicodedata
from collections.abc import Set
from functools import cache
from pathlib import Path
from typing import Any

import uharfbuzz  # type: ignore[import-untyped]
import weblate_fonts
from fontTools import subset
from fpdf import FPDF, FontFace, TextStyle
from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection, TextEmphasis
from fpdf.html import HTML2FPDF
from fpdf.unicode_script import UnicodeScript, get_unicode_script

_FONT_DIR = Path(weblate_fonts.__file__).parent / "static" / "weblate_fonts" / "kurinto" / "ttf"
_FAMILY = "kurinto"
_FONT = {"": "KurintoSans-Rg.ttf", "B": "KurintoSans-Bd.ttf"}
# For the characters Kurinto Sans lacks (it has no Han, kana or Hangul); each is loaded
# only when the document has a character that it covers and no font loaded before does.
_FALLBACKS = {
    "kurintofull": _FONT,  # the whole font, for scripts outside the everyday cut
    "kurintojp": {"": "KurintoSansJP-Rg.ttf", "B": "KurintoSansJP-Bd.ttf"},
    "kurintosc": {"": "KurintoSansSC-Rg.ttf", "B": "KurintoSansSC-Bd.ttf"},
    "kurintotc": {"": "KurintoSansTC-Rg.ttf", "B": "KurintoSansTC-Bd.ttf"},
    "kurintokr": {"": "KurintoSansKR-Rg.ttf", "B": "KurintoSansKR-Bd.ttf"},
}

# What prints for a character no font has (emoji such as U+1F600: Kurinto has none): a
# visible box, as a browser shows a missing glyph, so the reader sees that something is
# there, where fpdf2 alone would leave it out and only log a warning. One box per emoji:
# skin tones, variation selectors, keycaps, tags and ZWJ-joined parts go into the box of
# the character they belong to. The HTML file keeps the original text.
MISSING_GLYPH = "\N{WHITE SQUARE}"
_ZWJ = "\N{ZERO WIDTH JOINER}"
_EMOJI_EXTENDERS = frozenset(
    [
        0x20E3,  # combining enclosing keycap
        *range(0xFE00, 0xFE10),  # variation selectors
        *range(0xE0100, 0xE01F0),  # variation selectors supplement
        *range(0x1F3FB, 0x1F400),  # skin tone modifiers
        *range(0xE0020, 0xE0080),  # tags (subdivision flags)
    ]
)
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)  # two of them make one flag

# Scripts HarfBuzz need not shape: one character, one glyph, left to right. Anything else
# (right-to-left, Indic, Thai, combining marks, ...) turns shaping on for the document.
_PLAIN_SCRIPTS = frozenset(
    {
        UnicodeScript.COMMON,
        UnicodeScript.LATIN,
        UnicodeScript.GREEK,
        UnicodeScript.CYRILLIC,
        UnicodeScript.ARMENIAN,
        UnicodeScript.GEORGIAN,
        UnicodeScript.HAN,
        UnicodeScript.HIRAGANA,
        UnicodeScript.KATAKANA,
        UnicodeScript.HANGUL,
        UnicodeScript.BOPOMOFO,
    }
)
# What fpdf2 may draw that is not in the text: page numbers, list numbers and bullets, the
# hyphen of a soft hyphen at a line break, and our box.
_ADDED_BY_FPDF2 = frozenset([*range(0x20, 0x7F), 0xA0, 0xAD, 0x2022, 0x2218, ord(MISSING_GLYPH)])
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})

_PDF_TAG_STYLES: dict[str, FontFace] = {
    "h1": TextStyle(font_size_pt=17, color="#1f4e79", t_margin=0, b_margin=0.3),
    "h2": TextStyle(font_size_pt=12.5, color="#1f4e79", t_margin=4, b_margin=0.4),
    "h3": TextStyle(font_size_pt=10.5, color="#1f2933", t_margin=3, b_margin=0.2),
    # fpdf2 sets these in Courier, a core font that only draws latin-1.
    "code": FontFace(family=_FAMILY),
    "pre": TextStyle(font_family=_FAMILY, t_margin=4 + 7 / 30),
}


@cache
def _coverage(file_name: str | Path) -> frozenset[int]:
    """The code points a font file has glyphs for (immutable, so shared by all documents)."""
    blob = uharfbuzz.Blob.from_file_path(str(_FONT_DIR / file_name))
    return frozenset(int(code) for code in uharfbuzz.Face(blob).unicodes)


# The scripts nearly every business document is written in: Latin with every accent,
# Greek, Cyrillic, Hebrew, Arabic, and the punctuation, currency and symbols around them.
_EVERYDAY = [
    *range(0x20, 0x7F), *range(0xA0, 0x370), *range(0x370, 0x530), *range(0x590, 0x700),
    *range(0x750, 0x780), *range(0x1E00, 0x2000), *range(0x2000, 0x2200),
    *range(0x2200, 0x2300), *range(0x2500, 0x2600), *range(0xFB00, 0xFE00),
    *range(0xFE70, 0xFF00), 0xFFFD,
]  # fmt: skip
# What nearly every document of a European seller is written in: Latin with every accent,
# punctuation, currency signs, letterlike symbols, arrows, maths and the missing glyph's box.
# fontTools decodes every glyph of the cut a document loads: half the time of the everyday cut.
_LATIN = [
    *range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070),
    *range(0x20A0, 0x20C1), *range(0x2100, 0x2300), ord(MISSING_GLYPH), 0xFFFD,
]  # fmt: skip
# The cuts, smallest first.
_CUTS = {"latin": _LATIN, "everyday": _EVERYDAY}


@cache
def _font_cache() -> Path:
    """This user's own cache folder (not a shared temp folder, where anyone could plant one)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "salesflow" / "fonts"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:  # no writable home (a locked-down container): this process's own folder
        return Path(tempfile.mkdtemp(prefix="salesflow-fonts-"))
    return folder


@cache
def _cut(file_name: str, cut: str) -> Path:
    """Kurinto cut to the scripts of `_CUTS[cut]`, made once per machine and then reused.

    Loading the whole pan-Unicode font costs ~0.1 s per document in fontTools; a cut
    (with its shaping tables) loads in a fraction of that. Text outside it falls back to
    the whole font. The file is named by its content's sources, written atomically.
    """
    source = _FONT_DIR / file_name
    points = _CUTS[cut]
    stamp = f"{source.stat().st_size}-{cut}-{len(points)}"
    target = _font_cache() / f"{stamp}-{file_name}"
    if target.is_file():
        return target
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".ttf", delete=False) as out:
        subset.save_font(font, out, options)
    os.replace(out.name, target)
    return target


def _needs_shaping(chars: Set[str]) -> bool:
    """Whether the text has right-to-left runs, joining scripts or marks to position."""
    return any(
        unicodedata.category(char)[0] == "M"
        or unicodedata.bidirectional(char) in _RTL_CLASSES
        or get_unicode_script(char) not in _PLAIN_SCRIPTS
        for char in chars
    )


def _printable(text: str, covered: Set[int]) -> str:
    """`text` with each cluster no font covers (an emoji) made one MISSING_GLYPH."""
    if all(ord(char) in covered or char.isspace() for char in set(text)):
        return text
    chars: list[str] = []
    in_box = joined = False  # inside an uncovered cluster; just after its ZWJ
    open_flags = 0  # regional indicators in the current box
    for char in text:
        if in_box and (char == _ZWJ or ord(char) in _EMOJI_EXTENDERS):
            joined = char == _ZWJ
            continue
        if ord(char) in covered or char.isspace():
            chars.append(char)
            in_box = joined = False
            continue
        flag = ord(char) in _REGIONAL_INDICATORS
        if in_box and (joined or (flag and open_flags == 1)):
            joined = False
            open_flags += flag
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            continue  # controls and format characters are invisible anyway
        chars.append(MISSING_GLYPH)
        in_box, joined, open_flags = True, False, int(flag)
    return "".join(chars)


class _Html(HTML2FPDF):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag == "table":
            # fpdf2 2.8 queues the blank line it puts before a table and draws it after
            # the table; drawing it now keeps the space where it belongs.
            self._column.render()

    def handle_data(self, data: str) -> None:
        # Here, after the parser decoded entities, so `&#128512;` gets its box too.
        if isinstance(self.pdf, _Pdf):
            data = _printable(data, self.pdf.covered)
        if data:
            super().handle_data(data)

    def _write_paragraph(self, text: str, link: int | str | None = None) -> None:
        shaping: dict[str, Any] | None = self.pdf.text_shaping
        if not shaping or not text:
            super()._write_paragraph(text, link)
            return
        # fpdf2 2.8.9 splits the text of table cells and `cell()` into right-to-left and
        # left-to-right runs, but not that of paragraphs (<p>, <li>, headings): there an
        # Arabic name inside English text came out left to right. Give it the runs.
        base = shaping["direction"] or TextDirection.LTR
        runs = BidiParagraph(text, base_direction=base, alias=self.pdf.str_alias_nb_pages)
        before = shaping["paragraph_direction"], shaping["fragment_direction"]
        for run, direction in runs.get_bidi_fragments():
            shaping["paragraph_direction"], shaping["fragment_direction"] = base, direction
            super()._write_paragraph(run, link)
        shaping["paragraph_direction"], shaping["fragment_direction"] = before


class _Pdf(FPDF):
    HTML2FPDF_CLASS = _Html

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.footer_text = ""
        self.covered: frozenset[int] = frozenset()

    def set_font(
        self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0
    ) -> None:
        # Kurinto Sans has no italic: <i> and <em> print upright rather than fail.
        if isinstance(style, TextEmphasis):
            style = style.style
        super().set_font(family, style.upper().replace("I", ""), size)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FAMILY, size=7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self.footer_text}  |  page {self.page_no()} of {{nb}}", align="C")


def _load_fonts(pdf: _Pdf, text: str) -> None:
    """Kurinto Sans, the fallbacks the text needs, and shaping if its scripts need it."""
    chars = set(text)
    codes = {ord(char) for char in chars}
    # fpdf2 maps every character a font has when it loads it (~40 ms for Kurinto's 19,000);
    # the characters the document uses, and those fpdf2 adds itself, are all it needs.
    used = sorted(codes | _ADDED_BY_FPDF2)
    # The Latin cut unless the everyday one has a character of the text that it lacks (an
    # emoji or a Japanese name is no reason to load more of Kurinto: neither cut has it).
    outside = codes - _coverage(_cut(_FONT[""], "latin"))
    cut = "everyday" if outside & _coverage(_cut(_FONT[""], "everyday")) else "latin"
    for style, file_name in _FONT.items():
        pdf.add_font(_FAMILY, style, _cut(file_name, cut), unicode_range=used)
    covered = _coverage(_cut(_FONT[""], cut))
    missing = {ord(char) for char in chars if char.isprintable()} - covered
    fallbacks: list[str] = []
    while missing:
        # The fallback with most of what is missing first, so that a Chinese name takes
        # all its characters from the Chinese font, a Japanese one from the Japanese font.
        candidates = [family for family in _FALLBACKS if family not in fallbacks]
        family = max(candidates, key=lambda f: len(missing & _coverage(_FALLBACKS[f][""])))
        font_covers = _coverage(_FALLBACKS[family][""])
        if not missing & font_covers:
            break  # no font has these: `_printable()` draws them as MISSING_GLYPH
        for style, file_name in _FALLBACKS[family].items():
            pdf.add_font(family, style, _FONT_DIR / file_name, unicode_range=used)
        fallbacks.append(family)
        covered |= font_covers
        missing -= font_covers
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.covered = covered
    if _needs_shaping(chars):
        # The documents read left to right, as their HTML does; HarfBuzz joins Arabic
        # letters and fpdf2 orders each right-to-left run.
        pdf.set_text_shaping(True, direction="ltr")


def _drop_layout_tables(pdf: FPDF) -> None:
    """Spare fontTools decoding GSUB/GPOS/GDEF (~150 ms per Kurinto font) at output.

    fpdf2 leaves these tables out of the embedded subset anyway, but fontTools 4.68 decodes
    them before dropping them. HarfBuzz shapes from the font file, not from this parsed copy,
    and each document has its own copy, so nothing else sees the change.
    """
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        for tag in ("GSUB", "GPOS", "GDEF"):
            if ttfont is not None and tag in ttfont:
                del ttfont[tag]


def html_to_pdf(body: str, title: str, author: str) -> bytes:
    """A4 PDF of fpdf2-compatible HTML in Kurinto Sans, with the fonts embedded."""
    footer = f"{author}  |  {title}"
    pdf = _Pdf()
    _load_fonts(pdf, html.unescape(body) + footer)
    pdf.footer_text = _printable(footer, pdf.covered)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("salesflow")
    pdf.set_margins(left=18, top=16, right=18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font(_FAMILY, size=9.5)
    pdf.write_html(
        body,
        font_family=_FAMILY,
        tag_styles=_PDF_TAG_STYLES,
        table_line_separators=True,
    )
    _drop_layout_tables(pdf)
    return bytes(pdf.output())
