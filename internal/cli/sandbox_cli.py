"""`flask sandbox check`: run the code sandbox's self-test on this machine (operators: after a
deploy, inside the worker container). Exit code 0 and "isolation verified", or 1 and the reason
code nodes are refused (docs/code-sandbox.md)."""
from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from pkg.sandbox import CodeSandbox, SandboxError

sandbox_cli = AppGroup("sandbox", help="The workflow code node's sandbox.")


@sandbox_cli.command("check")
def check() -> None:
    """Prove the isolation works here, then run one trivial code node."""
    sandbox = current_app.extensions["injector"].get(CodeSandbox)
    started = time.monotonic()
    try:
        sandbox.self_test()
        output = sandbox.run("def main(params):\n    return {'sum': params['a'] + params['b']}\n", {"a": 1, "b": 2})
    except SandboxError as exc:
        raise click.ClickException(exc.message) from exc
    if output != {"sum": 3}:
        raise click.ClickException(f"the sandbox answered {output!r} instead of {{'sum': 3}}")
    click.echo(f"code sandbox ({sandbox.settings.mode}): isolation verified, a run works "
               f"({(time.monotonic() - started) * 1000:.0f} ms)")


def init_app(app: Flask) -> None:
    app.cli.add_command(sandbox_cli)
