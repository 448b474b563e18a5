"""F16: hostile office files end in a clear FileExtractionError with bounded memory: no entity
is ever expanded, no part is inflated past our caps (issue 9)."""
from __future__ import annotations

import tracemalloc

import pytest

from internal.core.file_extractor import FileExtractionError, extract_bytes
from test.support.hostile_office import (
    billion_laughs_docx,
    entity_bomb_xlsx,
    huge_text_node_docx,
    undefined_entity_docx,
)
from test.support.kb_documents import docx_bytes, xlsx_bytes

MEMORY_BUDGET = 16 * 1024 * 1024  # Python allocations while extracting one hostile file


def _extract_measured(data: bytes, extension: str) -> tuple[Exception | None, int]:
    tracemalloc.start()
    try:
        try:
            extract_bytes(data, extension)
            error = None
        except Exception as exc:  # noqa: BLE001 - the test inspects which one
            error = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return error, peak


@pytest.mark.parametrize(("build", "extension", "reason"), [
    (billion_laughs_docx, "docx", "document type"),
    (huge_text_node_docx, "docx", "when decompressed"),
    (undefined_entity_docx, "docx", "could not be read"),
    (entity_bomb_xlsx, "xlsx", "document type"),
])
def test_hostile_file_is_a_clear_error_within_a_memory_budget(build, extension, reason):
    data = build()
    assert len(data) < 200_000  # a small upload
    error, peak = _extract_measured(data, extension)
    assert isinstance(error, FileExtractionError), repr(error)
    assert reason in str(error) and extension.upper() in str(error)
    assert peak < MEMORY_BUDGET, f"peak {peak / 1e6:.1f} MB"


def test_ordinary_office_files_still_extract():
    assert "季度报告" in extract_bytes(docx_bytes(["季度报告：营收增长。", "Revenue grew."]), "docx").text
    assert "Saturn" in extract_bytes(xlsx_bytes([["planet", "moons"], ["Saturn", 146]]), "xlsx").text
