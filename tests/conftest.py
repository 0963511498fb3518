"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis profiles, chosen by the environment variable HYPOTHESIS_PROFILE (default `ci`).
# A profile's max_examples is what each writer's round trip in tests/test_properties.py runs;
# its other property tests scale with it (test_properties.examples).
#   ci:  2,000 per writer, the acceptance criterion; what CI (.ci/run) and scripts/test run.
#   dev: a tenth, for a quick run while working: HYPOTHESIS_PROFILE=dev scripts/test
# An unknown name fails the run (Hypothesis raises InvalidArgument).
settings.register_profile("ci", max_examples=2000)
settings.register_profile("dev", max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")

# fakeserver.py sits beside this file; make it importable whatever pytest's import mode.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from fakeserver import FakeServices


@pytest.fixture
def fake_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServices]:
    """A running fake arXiv API, ACL Anthology and DBLP on 127.0.0.1, stopped after the test.

    DBLP is the stand-in's for every command the test runs (EXPORTER_DBLP_URL, no delay), unless
    the test points it elsewhere.
    """
    with FakeServices() as services:
        monkeypatch.setenv("EXPORTER_DBLP_URL", services.dblp_url)
        monkeypatch.setenv("EXPORTER_DBLP_DELAY", "0")
        yield services


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network: DBLP points at a closed local port unless a test says otherwise,
    and a connection to anything but this machine fails the test's request at once."""
    import ipaddress
    import socket

    monkeypatch.setenv("EXPORTER_DBLP_URL", "http://127.0.0.1:9")
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                local = ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = host == "localhost"
            if not local:
                raise ConnectionRefusedError(f"tests must not use the network (tried {address})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the writers.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own Anthology cache: never the user's, never another test's."""
    monkeypatch.setenv("EXPORTER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def committed_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the committed sources, lock and outputs as the working directory.

    The services point at a closed port: a test that needs them starts the fake ones.
    """
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "sources", tmp_path / "sources")
    shutil.copytree(root / "outputs", tmp_path / "outputs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXPORTER_ARXIV_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("EXPORTER_ACL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("EXPORTER_ARXIV_DELAY", "0")
    return tmp_path
