"""SARIF's artifactLocation.uri is a URI reference (RFC 3986), not a raw path: the raw path was written before,
so a name with a space, `#`, `%`, a colon or non-ASCII text gave a log that code scanning misreads."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cardfix.formats import artifact_uri
from tests.clirun import invoke
from tests.conftest import ROOT

CARD = (ROOT / "golden" / "swapped-columns.in.md").read_bytes()  # a card with findings
# RFC 3986: unreserved, sub-delims, ":", "@", "/" and well-formed percent-encodings, nothing else.
URI_REFERENCE_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*")

RELATIVE = [
    ("README.md", "README.md"),
    ("org/model", "org/model"),  # a dump row named by its modelId
    ("row 0", "row%200"),  # a dump row without one
    ("dir/a b#%.md", "dir/a%20b%23%25.md"),
    ("a?b[1].md", "a%3Fb%5B1%5D.md"),
    ("we,ird:dir/a b#%.md", "./we,ird:dir/a%20b%23%25.md"),  # not the scheme `we,ird`
    ("c:x/README.md", "./c:x/README.md"),  # not the scheme `c`
    ("dir/a:b.md", "dir/a:b.md"),  # a colon after the first segment is plain pchar
    ("modèle/日本.md", "mod%C3%A8le/%E6%97%A5%E6%9C%AC.md"),  # UTF-8, percent-encoded
]


def _assert_uri_reference(uri: str) -> None:
    assert URI_REFERENCE_CHARS.fullmatch(uri), uri


@pytest.mark.parametrize(("path", "uri"), RELATIVE)
def test_a_relative_path_is_a_percent_encoded_relative_reference(path: str, uri: str) -> None:
    assert artifact_uri(path, PurePosixPath) == uri
    _assert_uri_reference(uri)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(parts.path).removeprefix("./") == path


@pytest.mark.parametrize(("path", "uri"), [
    ("/tmp/x y/README.md", "file:///tmp/x%20y/README.md"),
    ("/srv/we,ird:dir/a b#%.md", "file:///srv/we,ird:dir/a%20b%23%25.md"),
    ("/home/ü/README.md", "file:///home/%C3%BC/README.md"),
])
def test_an_absolute_path_is_a_file_uri(path: str, uri: str) -> None:
    assert artifact_uri(path, PurePosixPath) == uri
    _assert_uri_reference(uri)
    assert url2pathname(urlsplit(uri).path) == path or sys.platform == "win32"


@pytest.mark.parametrize(("path", "uri"), [
    ("C:\\cards\\a b.md", "file:///C:/cards/a%20b.md"),
    ("\\\\server\\share\\README.md", "file://server/share/README.md"),
    ("cards\\org\\README.md", "cards/org/README.md"),
])
def test_windows_paths_use_forward_slashes_and_file_uris(path: str, uri: str) -> None:
    assert artifact_uri(path, PureWindowsPath) == uri


def test_on_posix_a_backslash_is_part_of_the_name_and_a_drive_is_no_scheme() -> None:
    assert artifact_uri("C:\\cards\\README.md", PurePosixPath) == "./C:%5Ccards%5CREADME.md"


def test_a_file_name_that_is_not_utf8_keeps_its_bytes() -> None:
    assert artifact_uri(b"caf\xe9.md".decode("utf-8", "surrogateescape"), PurePosixPath) == "caf%E9.md"


def _sarif_uris(*args: str) -> list[str]:
    _, out, _ = invoke("check", "--format", "sarif", *args)
    results = json.loads(out)["runs"][0]["results"]
    assert results
    return sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results})


@pytest.mark.skipif(sys.platform == "win32", reason="a colon is not allowed in a Windows file name")
def test_check_writes_relative_and_absolute_paths_as_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    card = tmp_path / "we,ird:dir" / "a b#%é.md"
    card.parent.mkdir()
    card.write_bytes(CARD)
    monkeypatch.chdir(tmp_path)
    assert _sarif_uris("we,ird:dir/a b#%é.md") == ["./we,ird:dir/a%20b%23%25%C3%A9.md"]
    [uri] = _sarif_uris(str(card))
    assert uri.startswith("file:///") and url2pathname(urlsplit(uri).path) == str(card)
    assert uri == artifact_uri(str(card), PurePath)


def test_check_writes_dump_rows_as_relative_references(tmp_path: Path) -> None:
    text = CARD.decode()
    pq.write_table(pa.table({"card": [text]}), tmp_path / "no-ids.parquet")
    assert _sarif_uris(str(tmp_path / "no-ids.parquet")) == ["row%200"]
    pq.write_table(pa.table({"modelId": ["org/my model"], "card": [text]}), tmp_path / "ids.parquet")
    assert _sarif_uris(str(tmp_path / "ids.parquet")) == ["org/my%20model"]
