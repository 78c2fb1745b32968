"""What the GitHub and GitLab clients do alike: look a release up by its
tag, create it exactly once however often the call is tried, walk a paged
list, and switch the exit code their failures carry. Each client says
where a release lives, what creating one sends, which status means "it
exists already", and how to read the forge's answer."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

from shipline.domain.errors import ExitCode
from shipline.domain.forge.http import Transport
from shipline.domain.forge.model import RemoteRelease

PAGE = 100


def quote(text: object) -> str:
    """One path segment (or query value), every reserved character escaped."""
    return urllib.parse.quote(str(text), safe="")


class ReleasesAPI:
    name: str
    repository: str
    token_env: str
    http: Transport
    _base: str
    """The repository's API root (``.../repos/o/r``, ``.../projects/:id``)."""
    release_exists: int
    """What creating a release answers when the tag has one (GitHub 422, GitLab 409)."""

    def set_code(self, code: int) -> None:
        self.http.code = ExitCode(code)

    def _release_url(self, tag: str) -> str:
        raise NotImplementedError

    def _release_payload(
        self, tag: str, title: str, notes: str, prerelease: bool
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _release(self, data: Any) -> RemoteRelease:
        raise NotImplementedError

    def find_release(self, tag: str) -> RemoteRelease | None:
        reply = self.http.call(
            "GET", self._release_url(tag), what=f"look up the release for {tag}", allow=(404,)
        )
        if reply.status == 404:
            return None
        return self._release(reply.json())

    def create_release(self, tag: str, title: str, notes: str, prerelease: bool) -> RemoteRelease:
        reply, found = self.http.create_once(
            f"{self._base}/releases",
            what=f"create the release {tag}",
            payload=self._release_payload(tag, title, notes, prerelease),
            conflict=self.release_exists,
            find=lambda: self.find_release(tag),
        )
        if found is not None:
            return found
        assert reply is not None
        release = self._release(reply.json())
        release.created = True
        return release

    def _pages(self, url: str, what: str) -> Iterator[Any]:
        """Every item of a paged list (``per_page`` 100, pages from 1)."""
        page = 1
        joiner = "&" if "?" in url else "?"
        while True:
            reply = self.http.call("GET", f"{url}{joiner}per_page={PAGE}&page={page}", what=what)
            items = reply.json() or []
            yield from items
            if len(items) < PAGE:
                return
            page += 1
