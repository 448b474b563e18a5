"""The log file (internal/extension/logging_extension.py): JSON lines that roll over at
LOG_FILE_MAX_BYTES keeping LOG_FILE_BACKUPS files, with trace ids while a span is active."""
from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from opentelemetry.sdk.trace import TracerProvider

from internal.extension import logging_extension
from pkg.log_files import SharedRotatingFileHandler
from test.support.environment import make_test_config


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def _logs(tmp_path, **settings):
    conf = make_test_config(tmp_path, LOG_LEVEL="INFO", **settings)
    logging_extension.init_app(Flask(__name__), conf)
    return conf.LOG_DIR


def test_the_log_file_rolls_over_at_its_size_and_keeps_its_backups(tmp_path, restore_root_logger):
    log_dir = _logs(tmp_path, LOG_FILE_MAX_BYTES=600, LOG_FILE_BACKUPS=2)
    log = logging.getLogger("llmops.rotation")
    for i in range(40):
        log.info("line %03d %s", i, "x" * 40)
    names = sorted(p.name for p in log_dir.iterdir() if not p.name.endswith(".lock"))
    assert names == ["llmops.log", "llmops.log.1", "llmops.log.2"]  # older ones deleted
    for path in (log_dir / name for name in names):
        assert path.stat().st_size <= 600
        assert all(json.loads(line)["logger"] == "llmops.rotation" for line in path.read_text().splitlines())
    newest = [json.loads(line)["message"] for line in (log_dir / "llmops.log").read_text().splitlines()]
    assert newest[-1].startswith("line 039")
    older = [json.loads(line)["message"] for line in (log_dir / "llmops.log.1").read_text().splitlines()]
    assert older[-1] < newest[0]  # .1 holds the lines just before the current file's


def test_lines_carry_trace_and_span_ids_only_inside_a_span(tmp_path, restore_root_logger):
    log_dir = _logs(tmp_path)
    tracer = TracerProvider().get_tracer("test")
    log = logging.getLogger("llmops.tracing")
    log.info("before")
    with tracer.start_as_current_span("outer") as outer:
        log.info("in outer")
        with tracer.start_as_current_span("inner") as inner:
            log.info("in inner")
    lines = {d["message"]: d for d in map(json.loads, (log_dir / "llmops.log").read_text().splitlines())}
    assert "trace_id" not in lines["before"] and "span_id" not in lines["before"]
    trace_id = format(outer.get_span_context().trace_id, "032x")
    assert lines["in outer"]["trace_id"] == lines["in inner"]["trace_id"] == trace_id
    assert lines["in outer"]["span_id"] == format(outer.get_span_context().span_id, "016x")
    assert lines["in inner"]["span_id"] == format(inner.get_span_context().span_id, "016x")


def _record(i: int) -> logging.LogRecord:
    # one worker logs long lines, the other short ones: a short one still fits into a file the
    # other worker found full, which is where a stale handle writes into the old file
    filler = "y" * (90 if i % 2 == 0 else 2)
    return logging.LogRecord("llmops.shared", logging.INFO, __file__, 0, "line %03d %s", (i, filler), None)


def test_processes_sharing_the_file_roll_it_over_once_and_keep_every_line_in_order(tmp_path):
    """Two handlers on one path stand for two worker processes (each has its own open file):
    after one rolls the file over the other follows it instead of writing into the old file."""
    path = tmp_path / "llmops.log"
    workers = [SharedRotatingFileHandler(path, maxBytes=500, backupCount=100, encoding="utf-8") for _ in range(2)]
    for i in range(120):
        workers[i % 2].emit(_record(i))
    for handler in workers:
        handler.close()
    backups = sorted((p for p in tmp_path.glob("llmops.log.*") if p.suffix != ".lock"),
                     key=lambda p: int(p.suffix[1:]), reverse=True)
    lines = [line for p in [*backups, path] for line in p.read_text().splitlines()]
    assert [int(line.split()[1]) for line in lines] == list(range(120))  # none lost, none out of order
    longest = max(len(line) + 1 for line in lines)
    # each rollover happened once, on a full file (no near-empty backups eating the backup count)
    assert all(500 - longest <= p.stat().st_size <= 500 for p in backups), [p.stat().st_size for p in backups]
