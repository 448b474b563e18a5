"""Format-specific parsers. Pure functions over bytes; no Flask, no storage access.

Each parser returns an :class:`ExtractedDocument` whose ``text`` keeps the document's
structure as blank-line separated blocks (paragraphs, table rows, pages) so the splitter can
cut on natural boundaries.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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
    """Decode bytes of unknown encoding: BOM, then strict UTF-8, then GB18030 (a superset of
    GBK/GB2312, the usual Chinese legacy encodings), then charset-normalizer's best guess."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    guess = best.encoding if best is not None else None
    # charset-normalizer sometimes proposes a single-byte code page for short GBK text; prefer
    # GB18030 when it decodes cleanly and yields CJK characters.
    try:
        gb = data.decode("gb18030")
        if re.search(r"[\u4e00-\u9fff]", gb) and (guess is None or not guess.lower().startswith(("gb", "big5"))):
            if guess is None or _cjk_ratio(gb) > 0.2:
                return gb, "gb18030"
    except UnicodeDecodeError:
        pass
    if guess:
        return str(best), guess
    return data.decode("utf-8", errors="replace"), "utf-8"


def _cjk_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(re.findall(r"[\u4e00-\u9fff]", text)) / max(1, len(re.sub(r"\s", "", text)))


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
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        d = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
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


def _rows_to_text(header: list[str], rows: list[list[str]]) -> str:
    """Render a table as one block per row: ``col: value; col: value`` keeps the column
    names next to each value so a row is self-describing after splitting."""
    out = []
    for row in rows:
        cells = [str(c).strip() for c in row]
        if not any(cells):
            continue
        if header and any(header):
            parts = [f"{h}: {v}" if h else v for h, v in zip(header, cells) if v]
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

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileExtractionError("the XLSX file could not be read") from exc
    blocks = []
    total = 0
    for ws in wb.worksheets:
        rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
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
