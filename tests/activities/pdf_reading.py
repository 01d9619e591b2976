"""Reading a rendered PDF back as a reader would: the body text, without the page footers."""

import io
import re
from pathlib import Path

from pypdf import PdfReader

from activities.document_store import LocalDocuments
from activities.typesetting import document_bytes

_FOOTER = re.compile(r"^.*\|\s*page \d+ of \d+\s*$", re.MULTILINE)


def pdf_text(path: str) -> str:
    """The PDF's body text, pages joined, runs of whitespace made single spaces; a PDF not
    typeset yet is typeset as the email that first sends it typesets it.

    Each page's footer ("seller | number | page n of m") is left out, so a sentence
    that runs over a page break reads as one.
    """
    data = document_bytes(LocalDocuments(Path(path).parent), path)
    pages = (_FOOTER.sub("", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", " ".join(pages)).strip()
