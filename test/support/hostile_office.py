"""Hostile office files, built in the test (issue 9, F16): an entity bomb, a huge text node that
deflate squeezes into a small upload, an undefined entity. Each starts from a real DOCX/XLSX
(python-docx / openpyxl) and replaces one XML part, so everything else about it is valid."""
from __future__ import annotations

import io
import zipfile

from test.support.kb_documents import docx_bytes, xlsx_bytes

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE w:document [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def _replace_part(data: bytes, part: str, writer) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == part:
                target = zipfile.ZipInfo(part)
                target.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(target, "w", force_zip64=True) as member:
                    writer(member)
            else:
                dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _document(body: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>').encode()


def billion_laughs_docx() -> bytes:
    xml = _document("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", BILLION_LAUGHS_DTD)
    return _replace_part(docx_bytes(["placeholder"]), "word/document.xml", lambda m: m.write(xml))


def undefined_entity_docx() -> bytes:
    xml = _document("<w:p><w:r><w:t>before &undefined; after</w:t></w:r></w:p>")
    return _replace_part(docx_bytes(["placeholder"]), "word/document.xml", lambda m: m.write(xml))


def huge_text_node_docx(megabytes: int = 40) -> bytes:
    """One paragraph whose text node is `megabytes` MB of 'A' (deflates ~1000:1)."""
    head, tail = _document("<w:p><w:r><w:t>\x00</w:t></w:r></w:p>").split(b"\x00")

    def write(member):
        member.write(head)
        chunk = b"A" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(chunk)
        member.write(tail)

    return _replace_part(docx_bytes(["placeholder"]), "word/document.xml", write)


def entity_bomb_xlsx() -> bytes:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>{BILLION_LAUGHS_DTD.replace("w:document", "sst")}'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           "<si><t>&lol9;</t></si></sst>").encode()
    data = xlsx_bytes([["header"], ["value"]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in z.namelist() else "xl/worksheets/sheet1.xml"
    return _replace_part(data, part, lambda m: m.write(xml))
