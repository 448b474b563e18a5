"""The suggested-questions parser: a JSON array (also fenced or with prose around it), else lines."""
from internal.service.ai_service import parse_questions


def test_json_arrays_and_lists_of_lines():
    assert parse_questions('["a?", "b?", "c?", "d?"]') == ["a?", "b?", "c?"]
    assert parse_questions('```json\n["退货怎么办？", "多久到账？"]\n```') == ["退货怎么办？", "多久到账？"]
    assert parse_questions("1. first?\n2) second?\n- third?\n") == ["first?", "second?", "third?"]
    assert parse_questions("[not json") == ["[not json"]
    assert parse_questions("") == []
