import io

import pytest

from internal.core.file_extractor import FileExtractionError, UnsupportedFileTypeError, decode_text, extract_bytes
from test.support.kb_documents import pdf_bytes


def test_txt_encodings():
    zh = "知识库支持中文检索。第二句话！"
    assert extract_bytes(zh.encode("utf-8"), "txt").text == zh
    assert extract_bytes(zh.encode("gbk"), "txt").text == zh
    assert extract_bytes(zh.encode("gb18030"), ".TXT").text == zh
    assert extract_bytes("\ufeff" .encode("utf-8") + b"bom text", "txt").text == "bom text"
    assert extract_bytes("hello 世界".encode("utf-16"), "txt").text == "hello 世界"
    assert decode_text("Grüße aus Köln, schönes Wetter heute".encode("latin-1"))[0].startswith("Grüße")


def test_markdown_keeps_text_drops_link_urls():
    md = "# 标题\n\nSee [the docs](https://example.com/x) and ![logo](a.png).\n"
    text = extract_bytes(md.encode(), "md").text
    assert "# 标题" in text and "the docs" in text and "https://example.com" not in text


def test_html_strips_scripts_and_keeps_blocks():
    html = "<html><head><title>T</title><style>p{}</style></head><body><script>evil()</script><h1>标题</h1><p>第一段。</p><p>Second <b>para</b>.</p><table><tr><td>a</td><td>b</td></tr></table></body></html>"
    doc = extract_bytes(html.encode("gbk"), "html")
    assert "evil" not in doc.text and "p{}" not in doc.text
    assert "标题" in doc.text and "第一段。" in doc.text and "Second para." in doc.text
    assert "\n\n" in doc.text


def test_pdf():
    doc = extract_bytes(pdf_bytes(["Hello PDF world", "Second line here"]), "pdf")
    assert "Hello PDF world" in doc.text and "Second line here" in doc.text
    assert doc.metadata["pages"] == 1
    with pytest.raises(FileExtractionError):
        extract_bytes(b"%PDF-1.4 not really", "pdf")


def test_docx_paragraphs_and_tables():
    import docx

    d = docx.Document()
    d.add_heading("知识库说明", 1)
    d.add_paragraph("第一段：介绍向量检索。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "name", "value"
    t.cell(1, 0).text, t.cell(1, 1).text = "chunk_size", "500"
    d.add_paragraph("English paragraph after the table.")
    buf = io.BytesIO()
    d.save(buf)
    text = extract_bytes(buf.getvalue(), "docx").text
    assert text.index("知识库说明") < text.index("第一段") < text.index("chunk_size") < text.index("English paragraph")
    assert "chunk_size\t500" in text
    with pytest.raises(FileExtractionError):
        extract_bytes(b"PK not a zip", "docx")


def test_csv_rows_carry_header_names():
    data = "城市,人口\n北京,2189\n上海,2487\n".encode("gbk")
    text = extract_bytes(data, "csv").text
    assert "城市: 北京; 人口: 2189" in text and "城市: 上海; 人口: 2487" in text


def test_xlsx_all_sheets():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "产品"
    ws.append(["name", "price"])
    ws.append(["widget", 3.5])
    ws2 = wb.create_sheet("Notes")
    ws2.append(["note"])
    ws2.append(["备注内容"])
    buf = io.BytesIO()
    wb.save(buf)
    text = extract_bytes(buf.getvalue(), "xlsx").text
    assert "name: widget; price: 3.5" in text and "note: 备注内容" in text and "产品" in text


def test_unsupported_type():
    with pytest.raises(UnsupportedFileTypeError):
        extract_bytes(b"x", "exe")
