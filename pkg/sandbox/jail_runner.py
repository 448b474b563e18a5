"""Runs INSIDE the sandbox (`python -I -S -c <this file's text>`); never imported by the platform.

Started ahead of time (warm pool): it imports what it needs, then blocks reading one request
`<length>\\n<json {code, inputs, limits}>` from stdin. Then it lowers its own rlimits, compiles
and runs the user's code, calls `main(params)`, and writes ONE JSON reply to its original stdout
(one line) before exiting. print() output is captured (capped) and sent apart from the result. Only the
standard library is used: the sandbox sees no site-packages.
"""
# datetime and math are cheap and common in code nodes (json already brings re, functools,
# collections), so they are imported while warm; more imports would make each warm-up dearer
# than the time they save a run.
import builtins
import datetime  # noqa: F401
import io
import json
import linecache
import math  # noqa: F401
import os
import resource
import sys

# The runner's own references: user code that patches json or os cannot break the reply.
_dumps, _loads, _write, _exit = json.dumps, json.loads, os.write, os._exit

FILENAME = "<code>"
TRACEBACK_CHARS = 4000


class CappedText(io.TextIOBase):
    def __init__(self, cap):
        self.cap, self.parts, self.size, self.truncated = cap, [], 0, False

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = self.cap - self.size
        if len(text) > room:
            self.truncated = True
            text = text[:max(room, 0)]
        if text:
            self.parts.append(text)
            self.size += len(text)
        return len(text)

    def getvalue(self):
        return "".join(self.parts)


def read_request():
    stdin = sys.stdin.buffer
    length = int(stdin.readline())
    return _loads(stdin.read(length))


def apply_limits(limits):
    # The interpreter is its PID namespace's init (bwrap --as-pid-1), which ignores SIGXCPU;
    # soft == hard makes the kernel SIGKILL it at the limit itself.
    for name, value in (("RLIMIT_CPU", limits["cpu_seconds"]), ("RLIMIT_FSIZE", limits["file_size_bytes"]),
                        ("RLIMIT_NPROC", limits["max_tasks"]), ("RLIMIT_NOFILE", limits["max_open_files"]),
                        ("RLIMIT_CORE", 0), ("RLIMIT_AS", limits["memory_bytes"])):
        resource.setrlimit(getattr(resource, name), (value, value))


def user_traceback(exc):
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    text = "".join(["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else [])
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return text if len(text) <= TRACEBACK_CHARS else "...\n" + text[-TRACEBACK_CHARS:]


def error(kind, message, exc=None):
    reply = {"status": "error", "kind": kind, "message": message}
    if exc is not None:
        reply["error_type"] = type(exc).__name__
        reply["traceback"] = user_traceback(exc)
    return reply


def run(request):
    code = request["code"]
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    try:
        compiled = compile(code, FILENAME, "exec")
    except (SyntaxError, ValueError) as exc:
        return error("code_error", f"the code does not compile: {type(exc).__name__}: {exc}", exc)
    namespace = {"__name__": "__code__", "__builtins__": builtins}
    try:
        exec(compiled, namespace)
        main = namespace.get("main")
        if not callable(main):
            return error("code_error", "the code must define a function main(params)")
        result = main(request["inputs"])
    except MemoryError:
        return error("memory_limit", f"the code went over its memory limit ({request['limits']['memory_bytes'] // 1048576} MB)")
    except RecursionError as exc:
        return error("code_error", f"RecursionError: {exc}", exc)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the user's errors too
        return error("code_error", f"{type(exc).__name__}: {exc}", exc)
    if not isinstance(result, dict):
        return error("invalid_output", f"main() must return a dict, it returned {type(result).__name__}")
    try:
        output = _dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return error("invalid_output", f"main() returned a value that is not JSON: {exc}")
    try:
        size = len(output.encode())
    except UnicodeEncodeError:
        return error("invalid_output", "main() returned a string that is not valid Unicode (a lone surrogate)")
    if size > request["limits"]["max_output_bytes"]:
        return error("output_too_large", f"main()'s result is larger than {request['limits']['max_output_bytes']} bytes")
    return {"status": "ok", "output": result}


def main():
    reply_fd = os.dup(1)
    devnull = os.open("/dev/null", os.O_WRONLY)
    os.dup2(devnull, 1)  # the code's raw writes to fd 1 cannot forge or break the reply
    request = read_request()
    limits = request["limits"]
    captured = CappedText(limits["max_stdout_bytes"])
    sys.stdout = sys.stderr = captured
    reserve = bytearray(256 * 1024)  # freed if the code exhausts memory, so the reply can still be built
    apply_limits(limits)
    try:
        reply = run(request)
    except MemoryError:
        reply = None
    del reserve
    if reply is None:
        reply = error("memory_limit", "the code went over its memory limit")
    reply["stdout"] = captured.getvalue().encode(errors="replace").decode()  # no lone surrogates
    reply["stdout_truncated"] = captured.truncated
    try:
        data = _dumps(reply, ensure_ascii=False).encode() + b"\n"  # JSON text has no raw newline
    except MemoryError:
        data = b'{"status": "error", "kind": "memory_limit", "message": "the code went over its memory limit"}\n'
    view = memoryview(data)
    while view:
        view = view[_write(reply_fd, view):]
    _exit(0)  # no interpreter teardown: the code's threads and atexit hooks end here


main()
