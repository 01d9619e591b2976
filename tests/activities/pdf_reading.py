"""Reading a rendered PDF back as a reader would: the body text, without the page footers."""

import re

from pypdf import PdfReader

_FOOTER = re.compile(r"^.*\|\s*page \d+ of \d+\s*$", re.MULTILINE)


def pdf_text(path: str) -> str:
    """The PDF's body text, pages joined, runs of whitespace made single spaces.

    Each page's footer ("seller | number | page n of m") is left out, so a sentence
    that runs over a page break reads as one.
    """
    pages = (_FOOTER.sub("", page.extract_text()) for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", " ".join(pages)).strip()
