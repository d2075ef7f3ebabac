"""Run the real CLI in-process and return (exit code, stdout bytes, stderr text)."""

from __future__ import annotations

from typer.testing import CliRunner

from cardfix.cli import app


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr
