"""`flask account create --email --password --name`: create a password account.
`flask account reset-password --email --password`: operator password reset.

    flask account create --email admin@example.com --name Admin
    (the password is prompted for, hidden, when --password is not given)
"""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from internal.exception import CustomException
from internal.service.account_service import AccountService

account_cli = AppGroup("account", help="Manage accounts.")


@account_cli.command("create")
@click.option("--email", required=True, help="login e-mail")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="8-64 characters with a letter and a digit (prompted when omitted)")
@click.option("--name", default="", help="display name (default: the e-mail's local part)")
def create_account(email: str, password: str, name: str) -> None:
    """Create an account; fails clearly (exit code 1) when the e-mail is taken or input is invalid."""
    service = current_app.extensions["injector"].get(AccountService)
    try:
        account = service.create_account(email, password, name)
    except CustomException as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created account {account.email} ({account.id})")


@account_cli.command("reset-password")
@click.option("--email", required=True, help="login e-mail of the account")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="the new password (prompted when omitted)")
def reset_password(email: str, password: str) -> None:
    """Set a new password (operator reset; the console says "contact the administrator").
    Every token issued before the reset stops working."""
    service = current_app.extensions["injector"].get(AccountService)
    try:
        account = service.reset_password(email, password)
    except CustomException as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"password reset for {account.email}; existing sessions were signed out")


def init_app(app: Flask) -> None:
    app.cli.add_command(account_cli)
