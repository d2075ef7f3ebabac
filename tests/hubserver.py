"""A small stand-in for the Hugging Face Hub's HTTP API, on 127.0.0.1, stdlib only, for the hub-mode tests.

It serves what the real `huggingface_hub` client (2.x) calls for hub mode, as read from its source
(`hf_api.py`, `file_download.py`, `_commit_api.py`, `utils/_detect_agent.py`): model info with its sha,
HEAD/GET of a file under `resolve/`, `validate-yaml`, `preupload`, the NDJSON `commit`, the discussions list,
`whoami-v2`, the model listing, and the agent-harness registry the client fetches for its user agent. It
records every commit, and answers any other request 501, logging it in `unknown` so a test fails loudly when
the client starts calling something new. Faults are injected per repository.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DISABLED_MESSAGE = "Access to this resource is disabled."  # the X-Error-Message huggingface_hub keys on


def git_oid(data: bytes) -> str:
    """A git blob id, as the Hub gives a regular file's ETag and preupload oid."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def commit_oid(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


@dataclass
class Fault:
    """An HTTP error (or a dropped connection, status 0) served for a repository's requests.

    `times`: only the first N matching requests (None: all of them); `only`: `resolve` limits it to file
    downloads (a gated repository's model info is public, its files are not)."""

    status: int
    times: int | None = None
    retry_after: int | str | None = None
    error_code: str | None = None
    message: str | None = None
    only: str | None = None
    hang: bool = False  # wait for `FakeHub.released`, then answer normally (a test kills the client meanwhile)


@dataclass
class Commit:
    """What the client sent to the commit endpoint."""

    repo_id: str
    revision: str
    summary: str
    description: str
    parent_commit: str | None
    create_pr: bool
    files: dict[str, bytes]
    oid: str


@dataclass
class Repo:
    repo_id: str
    files: dict[str, bytes]
    sha: str
    discussions: list[dict[str, Any]] = field(default_factory=list)
    fault: Fault | None = None


class FakeHub:
    """The Hub's state and the HTTP server in front of it (start with `start()`, stop with `stop()`)."""

    def __init__(self, user: str = "cardfix-bot", token: str = "hf_fake") -> None:
        self.user, self.token = user, token
        self.repos: dict[str, Repo] = {}
        self.commits: list[Commit] = []
        self.requests: list[tuple[str, str]] = []
        self.unknown: list[str] = []
        self.listing_status: int | None = None  # an error status served for the model listing
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # a killed client
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHub:
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def add(self, repo_id: str, readme: bytes | None, fault: Fault | None = None) -> Repo:
        files = {} if readme is None else {"README.md": readme}
        repo = Repo(repo_id, files, commit_oid(repo_id, readme), fault=fault)
        self.repos[repo_id] = repo
        return repo

    def open_pr(self, repo_id: str, title: str, author: str | None = None, status: str = "open") -> None:
        repo = self.repos[repo_id]
        repo.discussions.append({"num": len(repo.discussions) + 1, "title": title, "status": status,
                                 "isPullRequest": True, "createdAt": "2024-01-01T00:00:00.000Z",
                                 "author": {"name": author or self.user},
                                 "repo": {"name": repo_id, "type": "model"}})

    def calls(self, repo_id: str) -> int:
        """How many requests named this repository."""
        return sum(1 for _, path in self.requests if f"/{repo_id}/" in path + "/")


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(HubHandler):
        pass

    Handler.hub = hub
    return Handler


class HubHandler(BaseHTTPRequestHandler):
    hub: FakeHub

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures, not traffic
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_POST(self) -> None:
        self._route("POST")

    # routing

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.hub.lock:
            self.hub.requests.append((method, path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        repo_id = self._repo_of(path)
        if repo_id is not None and self._faulted(repo_id, path):
            return
        answer = self._answer(method, path, query, body, repo_id)
        if answer is None:
            self.hub.unknown.append(f"{method} {self.path}")
            self._json(501, {"error": f"the fake Hub does not serve {method} {path}"})

    def _repo_of(self, path: str) -> str | None:
        """The repository a path names, when it is one the fake Hub knows."""
        rest = path.removeprefix("/api/models/") if path.startswith("/api/models/") else path.lstrip("/")
        return next((r for r in self.hub.repos if rest == r or rest.startswith(r + "/")), None)

    def _answer(self, method: str, path: str, query: dict[str, str], body: bytes,
                repo_id: str | None) -> bool | None:
        if path == "/api/whoami-v2" and method == "GET":
            return self._whoami()
        if path == "/api/models" and method == "GET":
            return self._listing(query)
        if path == "/api/agent-harnesses" and method == "GET":  # the client's user agent, once a day
            return self._json(200, {"standardEnvVars": [], "harnesses": {}})
        if path == "/api/validate-yaml" and method == "POST":
            return self._json(200, {"errors": [], "warnings": []})
        if repo_id is None:
            return self._missing_repo(path)
        repo = self.hub.repos[repo_id]
        api = f"/api/models/{repo_id}"
        if method == "GET" and (path == api or path.startswith(api + "/revision/")):
            return self._model_info(repo, path.removeprefix(api + "/revision/") if path != api else "main")
        if method in ("GET", "HEAD") and path.startswith(f"/{repo_id}/resolve/"):
            return self._resolve(method, repo, path.removeprefix(f"/{repo_id}/resolve/"))
        if method == "GET" and path == api + "/discussions":
            return self._discussions(repo, query)
        if method == "POST" and path.startswith(api + "/preupload/"):
            return self._preupload(repo, body)
        if method == "POST" and path.startswith(api + "/commit/"):
            return self._commit(repo, path.removeprefix(api + "/commit/"), query, body)
        return None

    # faults

    def _faulted(self, repo_id: str, path: str) -> bool:
        fault = self.hub.repos[repo_id].fault
        if fault is None or (fault.only == "resolve" and "/resolve/" not in path):
            return False
        with self.hub.lock:
            if fault.times is not None:
                if fault.times <= 0:
                    return False
                fault.times -= 1
        if fault.hang:
            self.hub.released.wait(10)
            return False
        if fault.status == 0:  # a dropped connection: the client sees a network error
            self.close_connection = True
            return True
        headers = {"X-Error-Code": fault.error_code or "", "X-Error-Message": fault.message or ""}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        self._json(fault.status, {"error": fault.message or f"fault {fault.status}"},
                   {k: v for k, v in headers.items() if v})
        return True

    # endpoints

    def _whoami(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.hub.token}":
            return self._json(401, {"error": "Invalid credentials in Authorization header"},
                              {"X-Error-Message": "Invalid credentials in Authorization header"})
        return self._json(200, {"type": "user", "name": self.hub.user, "auth": {"type": "access_token"}})

    def _listing(self, query: dict[str, str]) -> bool:
        if self.hub.listing_status is not None:
            return self._json(self.hub.listing_status, {"error": "listing unavailable"})
        author, search = query.get("author"), query.get("search", "")
        found = [{"id": r.repo_id, "sha": r.sha, "private": False} for r in self.hub.repos.values()
                 if (author is None or r.repo_id.split("/")[0] == author) and search in r.repo_id]
        return self._json(200, found)

    def _model_info(self, repo: Repo, revision: str) -> bool:
        if revision not in ("main", repo.sha):
            return self._json(404, {"error": "Revision not found"}, {"X-Error-Code": "RevisionNotFound"})
        return self._json(200, {"id": repo.repo_id, "sha": repo.sha, "private": False, "gated": False,
                                "disabled": False, "siblings": [{"rfilename": name} for name in repo.files]})

    def _resolve(self, method: str, repo: Repo, rest: str) -> bool:
        revision, _, filename = rest.partition("/")
        if revision not in ("main", repo.sha):
            return self._json(404, {"error": "Revision not found"}, {"X-Error-Code": "RevisionNotFound"})
        if filename not in repo.files:
            return self._json(404, {"error": "Entry not found"},
                              {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": repo.sha})
        data = repo.files[filename]
        self.send_response(200)
        for name, value in {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(data)),
                            "ETag": f'"{git_oid(data)}"', "X-Repo-Commit": repo.sha}.items():
            self.send_header(name, value)
        self.end_headers()
        if method == "GET":
            self.wfile.write(data)
        return True

    def _discussions(self, repo: Repo, query: dict[str, str]) -> bool:
        kept = [d for d in repo.discussions
                if query.get("author") in (None, d["author"]["name"])
                and query.get("status") in (None, "all", d["status"])
                and query.get("type") in (None, "all", "pull_request" if d["isPullRequest"] else "discussion")]
        return self._json(200, {"discussions": kept, "count": len(kept), "start": 0, "numClosedDiscussions": 0})

    def _preupload(self, repo: Repo, body: bytes) -> bool:
        files = json.loads(body)["files"]
        return self._json(200, {"files": [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
             "oid": git_oid(repo.files[f["path"]]) if f["path"] in repo.files else None} for f in files]})

    def _commit(self, repo: Repo, revision: str, query: dict[str, str], body: bytes) -> bool:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(item["value"] for item in lines if item["key"] == "header")
        files = {item["value"]["path"]: base64.b64decode(item["value"]["content"])
                 for item in lines if item["key"] == "file"}
        parent = header.get("parentCommit")
        if parent is not None and parent != repo.sha:
            return self._json(412, {"error": "A commit has happened since. Please refresh and try again."})
        create_pr = query.get("create_pr") == "1"
        oid = commit_oid(repo.repo_id, len(self.hub.commits), header["summary"])
        commit = Commit(repo.repo_id, revision, header["summary"], header.get("description", ""), parent,
                        create_pr, files, oid)
        with self.hub.lock:
            self.hub.commits.append(commit)
            if create_pr:
                self.hub.open_pr(repo.repo_id, header["summary"])
            else:
                repo.files.update(files)
                repo.sha = oid
        answer = {"commitUrl": f"{self.hub.url}/{repo.repo_id}/commit/{oid}", "commitOid": oid}
        if create_pr:
            answer["pullRequestUrl"] = f"{self.hub.url}/{repo.repo_id}/discussions/{len(repo.discussions)}"
        return self._json(200, answer)

    def _missing_repo(self, path: str) -> bool | None:
        """A repository the fake Hub does not know: 404 RepoNotFound, as the Hub answers."""
        if path.startswith("/api/models/") or "/resolve/" in path:
            return self._json(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        return None

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> bool:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                            **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return True
