"""Format-specific parsers. Pure functions over bytes; no Flask, no storage access.

Each parser returns an :class:`ExtractedDocument` whose ``text`` keeps the document's
structure as blank-line separated blocks (paragraphs, table rows, pages) so the splitter can
cut on natural boundaries.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .office_guard import OfficeFileRefused, check_office_archive

SUPPORTED_EXTENSIONS = ("txt", "md", "markdown", "html", "htm", "pdf", "docx", "csv", "xlsx")


class FileExtractionError(ValueError):
    """The file could not be parsed (corrupt, encrypted, empty...). Message is user-safe."""


class UnsupportedFileTypeError(FileExtractionError):
    pass


@dataclass
class ExtractedDocument:
    text: str
    metadata: dict = field(default_factory=dict)


# -- text decoding --------------------------------------------------------------------
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding: BOM, then strict UTF-8, then GB18030 when the
    non-ASCII bytes look like GB2312 double-byte characters (the usual Chinese legacy
    encodings GB2312/GBK), then charset-normalizer's best guess."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_like_gb(data):
        return data.decode("gb18030", errors="replace"), "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("utf-8", errors="replace"), "utf-8"


def _looks_like_gb(data: bytes, sample: int = 65536) -> bool:
    """True when >= 95% of the high bytes form GB2312-range pairs (lead 0xA1-0xF7, trail
    0xA1-0xFE). Latin-1/CP1252 text rarely has two consecutive high bytes, so it fails."""
    buf = data[:sample]
    good = bad = 0
    i, n = 0, len(buf)
    while i < n:
        b = buf[i]
        if b < 0x80:
            i += 1
        elif 0xA1 <= b <= 0xF7 and i + 1 < n and 0xA1 <= buf[i + 1] <= 0xFE:
            good += 2
            i += 2
        elif 0x81 <= b <= 0xFE and i + 1 < n and 0x40 <= buf[i + 1] <= 0xFE and buf[i + 1] != 0x7F:
            good += 2  # GBK extension area
            i += 2
            bad += 0
        else:
            bad += 1
            i += 1
    return good > 0 and bad / (good + bad) < 0.05 and _gb_core_ratio(buf) >= 0.5


def _gb_core_ratio(buf: bytes) -> float:
    """Fraction of double-byte pairs inside GB2312 (common characters/punctuation)."""
    core = total = 0
    i, n = 0, len(buf)
    while i < n - 1:
        b = buf[i]
        if b < 0x80:
            i += 1
            continue
        total += 1
        if 0xA1 <= b <= 0xF7 and 0xA1 <= buf[i + 1] <= 0xFE:
            core += 1
        i += 2
    return core / total if total else 0.0


# -- parsers --------------------------------------------------------------------------
def _txt(data: bytes) -> ExtractedDocument:
    text, enc = decode_text(data)
    return ExtractedDocument(text, {"encoding": enc})


def _markdown(data: bytes) -> ExtractedDocument:
    # Markdown is already plain text with structure; keep it (headings help retrieval), drop
    # only image/link URL noise: [label](url) -> label
    text, enc = decode_text(data)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return ExtractedDocument(text, {"encoding": enc})


_BLOCK_TAGS = {
    "p", "div", "section", "article", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6",
    "pre", "blockquote", "table", "ul", "ol", "header", "footer", "dd", "dt", "figcaption",
}


def _html(data: bytes) -> ExtractedDocument:
    from bs4 import BeautifulSoup

    text, enc = decode_text(data)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "svg", "head"]):
        tag.decompose()
    title = ""
    if soup.title and soup.title.string:
        title = soup.title.string.strip()
    for tag in soup.find_all(True):
        if tag.name in ("td", "th"):
            tag.insert_after(" \t")
        elif tag.name in _BLOCK_TAGS:
            tag.insert_before("\n\n")
            tag.insert_after("\n\n")
    body = soup.get_text()
    body = re.sub(r"[ \t\r\f\v]+\n", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    return ExtractedDocument(body, {"encoding": enc, "title": title})


def _pdf(data: bytes) -> ExtractedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # noqa: BLE001
                raise FileExtractionError("encrypted PDF files are not supported") from exc
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except FileExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise FileExtractionError("the PDF file could not be read") from exc
    return ExtractedDocument("\n\n".join(p for p in pages if p), {"pages": len(pages)})


def _docx(data: bytes) -> ExtractedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    _check_office(data, "DOCX")
    try:
        d = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
        raise FileExtractionError("the DOCX file could not be read") from exc
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            t = Paragraph(child, d).text.strip()
            if t:
                blocks.append(t)
        elif tag == "tbl":
            rows = []
            for row in Table(child, d).rows:
                cells = [c.text.strip() for c in row.cells]
                if any(cells):
                    rows.append("\t".join(cells))
            if rows:
                blocks.append("\n".join(rows))
    return ExtractedDocument("\n\n".join(blocks), {})


def _check_office(data: bytes, label: str) -> None:
    try:
        check_office_archive(data, label)
    except OfficeFileRefused as exc:
        raise FileExtractionError(str(exc)) from None


def _rows_to_text(header: list[str], rows: list[list[str]]) -> str:
    """Render a table as one block per row: ``col: value; col: value`` keeps the column
    names next to each value so a row is self-describing after splitting."""
    out = []
    for row in rows:
        cells = [str(c).strip() for c in row]
        if not any(cells):
            continue
        if header and any(header):
            parts = [f"{h}: {v}" if h else v for h, v in zip(header, cells, strict=False) if v]
            parts += [v for v in cells[len(header) :] if v]
        else:
            parts = [v for v in cells if v]
        out.append("; ".join(parts))
    return "\n\n".join(out)


def _csv(data: bytes) -> ExtractedDocument:
    text, enc = decode_text(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return ExtractedDocument("", {"encoding": enc, "rows": 0})
    header, body = rows[0], rows[1:]
    if not body:
        header, body = [], rows
    return ExtractedDocument(_rows_to_text(header, body), {"encoding": enc, "rows": len(body)})


def _xlsx(data: bytes) -> ExtractedDocument:
    import zipfile
    from xml.etree.ElementTree import ParseError

    from lxml import etree
    from openpyxl import load_workbook

    _check_office(data, "XLSX")
    unreadable = (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError, etree.LxmlError)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except unreadable as exc:
        raise FileExtractionError("the XLSX file could not be read") from exc
    blocks = []
    total = 0
    for ws in wb.worksheets:
        try:  # read_only sheets are parsed lazily, here
            rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        except unreadable as exc:
            raise FileExtractionError("the XLSX file could not be read") from exc
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        if not body:
            header, body = [], rows
        total += len(body)
        blocks.append(f"{ws.title}\n\n" + _rows_to_text(header, body))
    wb.close()
    return ExtractedDocument("\n\n".join(blocks), {"sheets": len(wb.sheetnames), "rows": total})


_PARSERS: dict[str, Callable[[bytes], ExtractedDocument]] = {
    "txt": _txt,
    "md": _markdown,
    "markdown": _markdown,
    "html": _html,
    "htm": _html,
    "pdf": _pdf,
    "docx": _docx,
    "csv": _csv,
    "xlsx": _xlsx,
}


def extract_bytes(data: bytes, extension: str) -> ExtractedDocument:
    ext = extension.lower().lstrip(".")
    parser = _PARSERS.get(ext)
    if parser is None:
        raise UnsupportedFileTypeError(f"unsupported file type: .{ext}")
    doc = parser(data)
    doc.text = doc.text.replace("\x00", "")
    doc.metadata.setdefault("extension", ext)
    return doc


def extract_file(path: str | Path, extension: str | None = None) -> ExtractedDocument:
    p = Path(path)
    return extract_bytes(p.read_bytes(), extension or p.suffix)
