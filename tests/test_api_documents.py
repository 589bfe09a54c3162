"""Documents over HTTP: list, read, upload then ask then delete, on a copy of the sample store."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from indexer.embedding import SentenceTransformerEmbedder
from service.indexing import writer_for
from service.settings import Settings
from tests.api_server import assert_problem, client, extractive_engine, serve
from tests.conftest import SAMPLE_NEWS, build_store, make_settings

MAX_UPLOAD_BYTES = 2048
MAX_UPLOAD_FILES = 3
LIGHTHOUSE = """\
Glimmerfen lighthouse repainted violet

GLIMMERFEN, 3 March 2024 - The Glimmerfen lighthouse on the Orvane peninsula has been repainted \
violet, its keeper Orla Brenwick said on Sunday. The tower was white with a red band for ninety \
years. Brenwick said the violet paint was chosen by a vote of the island's school children, and \
that the work cost 48,000 crowns.
"""
LIGHTHOUSE_QUESTION = "What colour was the Glimmerfen lighthouse repainted?"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of the sample store: these tests change it."""
    built = build_store(SAMPLE_NEWS, tmp_path_factory.mktemp("api-documents"))
    return make_settings(
        built.index_dir,
        llm="extractive",
        max_upload_bytes=MAX_UPLOAD_BYTES,
        max_upload_files=MAX_UPLOAD_FILES,
    )


@pytest.fixture(scope="module")
def http(store: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[httpx.Client]:
    with serve(store, extractive_engine(store, embedder)) as url, client(url) as c:
        yield c


def uploads(store: Settings) -> list[str]:
    directory = store.index_dir / "uploads"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def upload(http: httpx.Client, *files: tuple[str, bytes]) -> httpx.Response:
    return http.post("/v1/documents", files=[("files", (name, data)) for name, data in files])


def test_upload_then_ask_then_delete(http: httpx.Client, store: Settings) -> None:
    before = http.get("/v1/documents").json()["total"]
    response = upload(http, ("2024-glimmerfen-lighthouse.txt", LIGHTHOUSE.encode()))
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["documents_added"] == 1 and summary["changed"] is True
    (uploaded,) = summary["files"]
    assert uploaded["stored_as"] == "2024-glimmerfen-lighthouse.txt"
    (document_id,) = uploaded["document_ids"]
    assert (store.index_dir / "uploads" / "2024-glimmerfen-lighthouse.txt").is_file()
    assert http.get("/v1/documents").json()["total"] == before + 1
    assert http.get("/readyz").json()["store_version"] == summary["version"]

    answer = http.post("/v1/ask", json={"question": LIGHTHOUSE_QUESTION}).json()
    assert "violet" in answer["answer"]
    assert {c["document_id"] for c in answer["citations"]} == {document_id}
    text = http.get(f"/v1/documents/{document_id}").json()["text"]
    assert all(text[c["start"] : c["end"]] == c["quote"] for c in answer["citations"])

    deleted = http.delete(f"/v1/documents/{document_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert "2024-glimmerfen-lighthouse.txt" not in uploads(store)
    assert_problem(http.get(f"/v1/documents/{document_id}"), 404)
    assert http.get("/v1/documents").json()["total"] == before
    again = http.post("/v1/ask", json={"question": LIGHTHOUSE_QUESTION}).json()
    assert document_id not in {c["document_id"] for c in again["citations"]}
    assert "violet" not in again["answer"]


def test_client_file_names_are_never_used_as_paths(http: httpx.Client, store: Settings) -> None:
    response = upload(http, ("../../outside/évil name;rm -rf.TXT", b"Evil name text. " * 20))
    assert response.status_code == 200, response.text
    (saved,) = response.json()["files"]
    assert saved["filename"] == "évil name;rm -rf.TXT"
    assert saved["stored_as"] == "vil_name_rm_-rf.txt"
    assert (store.index_dir / "uploads" / saved["stored_as"]).is_file()
    assert not (store.index_dir.parent / "outside").exists()
    http.delete(f"/v1/documents/{saved['document_ids'][0]}")


def test_a_taken_name_gets_a_numbered_variant(http: httpx.Client) -> None:
    # The sample corpus already has an article of this name; it must not be replaced.
    original = http.get("/v1/search", params={"q": "Imre Dascal", "k": 1}).json()["passages"][0]
    article = b"Port deal rumours from the tea room of the harbour office, retold. " * 10
    response = upload(http, ("2023-veldria-port-deal.txt", article))
    (saved,) = response.json()["files"]
    assert saved["stored_as"] == "2023-veldria-port-deal-2.txt"
    assert http.get(f"/v1/documents/{original['document_id']}").status_code == 200
    second = upload(http, ("2023-veldria-port-deal.txt", article.replace(b"tea", b"mess")))
    assert second.json()["files"][0]["stored_as"] == "2023-veldria-port-deal-3.txt"
    for done in (response, second):
        http.delete(f"/v1/documents/{done.json()['files'][0]['document_ids'][0]}")


def test_the_same_text_twice_is_skipped_as_a_duplicate(http: httpx.Client, store: Settings) -> None:
    text = b"The Orvane ferry will carry bicycles free of charge from May. " * 5
    first = upload(http, ("orvane-ferry.txt", text)).json()
    (document_id,) = first["files"][0]["document_ids"]
    again = upload(http, ("orvane-ferry-copy.txt", text)).json()
    assert again["documents_added"] == 0 and again["files"][0]["document_ids"] == []
    assert again["changed"] is False and again["version"] is None  # no new store version
    assert http.get("/v1/documents").json()["store_version"] == first["version"]
    assert again["skipped"] == [
        {"path": "orvane-ferry-copy.txt", "reason": "duplicate of orvane-ferry.txt"}
    ]
    assert "orvane-ferry-copy.txt" not in uploads(store)
    http.delete(f"/v1/documents/{document_id}")


def test_a_deeply_nested_json_upload_is_skipped_with_a_reason(http: httpx.Client) -> None:
    nested = b"[" * 1000 + b"]" * 1000  # deeper than the recursion limit, within the size one
    response = upload(http, ("nested.json", nested))
    assert response.status_code == 200
    assert response.json()["skipped"] == [
        {"path": "nested.json", "reason": "JSON is nested too deeply to read"}
    ]
    assert response.json()["changed"] is False


def test_an_empty_file_is_skipped_and_not_kept(http: httpx.Client, store: Settings) -> None:
    response = upload(http, ("empty.md", b"   \n")).json()
    assert response["skipped"] == [{"path": "empty.md", "reason": "file is empty"}]
    assert "empty.md" not in uploads(store)


def test_a_jsonl_upload_keeps_its_file_until_its_last_document_goes(
    http: httpx.Client, store: Settings
) -> None:
    records = [
        {"title": "Reed harvest", "text": "Fenmouth reed cutters began the winter harvest. " * 5},
        {"title": "Eel ladder", "text": "A new eel ladder opened at the Fenmouth weir. " * 5},
    ]
    body = "\n".join(json.dumps(r) for r in records).encode()
    response = upload(http, ("fenmouth.jsonl", body)).json()
    first, second = response["files"][0]["document_ids"]
    assert http.get(f"/v1/documents/{first}").json()["source"] == "fenmouth.jsonl#1"
    assert http.delete(f"/v1/documents/{first}").status_code == 204
    assert "fenmouth.jsonl" in uploads(store)
    assert http.get(f"/v1/documents/{second}").status_code == 200
    assert http.delete(f"/v1/documents/{second}").status_code == 204
    assert "fenmouth.jsonl" not in uploads(store)


def test_an_unsupported_type_is_415_listing_the_supported_ones(
    http: httpx.Client, store: Settings
) -> None:
    before = uploads(store)
    response = upload(http, ("notes.txt", b"fine text " * 20), ("report.docx", b"PK\x03\x04"))
    body = assert_problem(response, 415)
    assert ".txt" in body["detail"] and ".jsonl" in body["detail"] and ".docx" in body["detail"]
    assert uploads(store) == before


def test_a_file_over_the_per_file_limit_is_413(http: httpx.Client, store: Settings) -> None:
    before = uploads(store)
    body = assert_problem(upload(http, ("big.txt", b"x" * (MAX_UPLOAD_BYTES + 1))), 413)
    assert f"{MAX_UPLOAD_BYTES}-byte limit per file" in body["detail"]
    assert uploads(store) == before


def test_too_many_files_is_413(http: httpx.Client, store: Settings) -> None:
    before = uploads(store)
    files = [(f"a{i}.txt", b"some text here " * 10) for i in range(MAX_UPLOAD_FILES + 1)]
    body = assert_problem(upload(http, *files), 413)
    assert f"at most {MAX_UPLOAD_FILES} files" in body["detail"]
    assert uploads(store) == before


def test_an_upload_that_is_not_multipart_is_422(http: httpx.Client) -> None:
    assert_problem(http.post("/v1/documents", json={"files": ["a.txt"]}), 422)
    assert_problem(http.post("/v1/documents", files={"note": (None, b"no file here")}), 422)


def test_a_locked_store_is_409_and_changes_nothing(
    http: httpx.Client, store: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    before = uploads(store)
    some_id = http.get("/v1/documents").json()["documents"][0]["id"]
    with writer_for(store, embedder):  # another writer, as a running 'footnote index' would be
        body = assert_problem(upload(http, ("locked.txt", b"text while locked " * 10)), 409)
        assert "try again" in body["detail"]
        assert_problem(http.delete(f"/v1/documents/{some_id}"), 409)
    assert uploads(store) == before
    assert http.get(f"/v1/documents/{some_id}").status_code == 200


def test_deleting_a_corpus_document_keeps_its_source_file(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = build_store(SAMPLE_NEWS / "2023-harnau-tram-strike-ends.txt", tmp_path / "store")
    with serve(settings, extractive_engine(settings, embedder)) as url, client(url) as http:
        (document,) = http.get("/v1/documents").json()["documents"]
        assert http.delete(f"/v1/documents/{document['id']}").status_code == 204
        assert http.get("/v1/documents").json()["total"] == 0
    assert (SAMPLE_NEWS / "2023-harnau-tram-strike-ends.txt").is_file()


# Faults at the disk: no test machine can fill or remount a disk on demand, so the OS error a
# full or read-only disk gives is raised at the store's own write (the only simulated part).
def _refuse(error: int) -> Any:
    def write(*args: object, **kwargs: object) -> None:
        raise OSError(error, os.strerror(error))

    return write


def test_a_full_disk_refuses_the_upload_with_507_and_the_last_version_still_answers(
    http: httpx.Client, store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.store_writer

    version = http.get("/v1/documents").json()["store_version"]
    kept = uploads(store)
    monkeypatch.setattr(indexer.store_writer, "write_vectors", _refuse(errno.ENOSPC))
    body = assert_problem(upload(http, ("2024-glimmerfen.txt", LIGHTHOUSE.encode())), 507)
    assert "the disk is full; nothing was published" in body["detail"]
    assert http.get("/v1/documents").json()["store_version"] == version
    assert uploads(store) == kept  # the refused upload's file is gone
    found = http.get("/v1/search", params={"q": "Harnau port agreement"}).json()
    assert found["passages"]  # still answering from the last good version
    monkeypatch.undo()
    again = upload(http, ("2024-glimmerfen.txt", LIGHTHOUSE.encode())).json()
    assert again["documents_added"] == 1 and again["changed"] is True
    http.delete(f"/v1/documents/{again['files'][0]['document_ids'][0]}")


def test_a_read_only_store_refuses_changes_with_503_and_still_answers(
    http: httpx.Client, store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.store_writer

    listed = http.get("/v1/documents").json()
    monkeypatch.setattr(indexer.store_writer.tempfile, "mkdtemp", _refuse(errno.EROFS))
    response = upload(http, ("2024-glimmerfen.txt", LIGHTHOUSE.encode()))
    body = assert_problem(response, 503)
    assert "refused the write (Read-only file system)" in body["detail"]
    assert response.headers["retry-after"]
    document = listed["documents"][0]["id"]
    assert_problem(http.delete(f"/v1/documents/{document}"), 503)
    assert http.get("/v1/documents").json() == listed  # nothing changed
    assert http.get(f"/v1/documents/{document}").status_code == 200
