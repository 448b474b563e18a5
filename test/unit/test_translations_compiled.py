"""The committed .mo catalogs match their .po sources (a clean clone runs without a compile step;
`make translations` recompiles after editing a .po)."""
from __future__ import annotations

import glob
import os

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from internal.extension.babel_extension import TRANSLATIONS_DIR


def _pairs(catalog) -> dict:
    return {m.id: m.string for m in catalog if m.id}


def test_every_po_has_an_up_to_date_mo():
    sources = glob.glob(os.path.join(TRANSLATIONS_DIR, "*", "LC_MESSAGES", "messages.po"))
    assert sources, TRANSLATIONS_DIR
    for po_path in sources:
        with open(po_path, "rb") as po, open(po_path[:-3] + ".mo", "rb") as mo:
            assert _pairs(read_po(po)) == _pairs(read_mo(mo)), f"stale {po_path[:-3]}.mo: run make translations"


def test_every_message_has_a_chinese_translation():
    with open(os.path.join(TRANSLATIONS_DIR, "zh", "LC_MESSAGES", "messages.po"), "rb") as po:
        pairs = _pairs(read_po(po))
    assert pairs and all(pairs.values()), [k for k, v in pairs.items() if not v]
