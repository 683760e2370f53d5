"""Search in residents' own words, through the API and the engine."""

from pathlib import Path

import pytest
from django.test import Client

from govsvc.search.engine import SearchIndex, collect_documents, load_synonyms, tokens
from govsvc.search.evaluation import evaluate, load_queries

pytestmark = pytest.mark.django_db
QUERIES = Path(__file__).with_name("search_queries.yaml")


@pytest.fixture(scope="module")
def index(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> SearchIndex:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        return SearchIndex(collect_documents(), load_synonyms())


def test_the_written_query_set_finds_the_right_bundle_in_the_top_three(index: SearchIndex) -> None:
    queries = load_queries(QUERIES)
    assert len(queries) >= 60
    result = evaluate(queries, index)
    assert result.rate(result.top3) >= 0.9, (result.summary(), result.misses[:20])


def test_the_api_answers_bundles_with_list_no_and_items_with_codes() -> None:
    response = Client().get("/api/v1/search", {"q": "孩子刚出生要办什么"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {**results[0], "kind": "bundle", "list_no": 8}
    items = [r for r in results if r["kind"] == "item"]
    assert items and all(len(r["code"]) in (31, 33) for r in items)


def test_a_document_name_leads_to_its_bundle(index: SearchIndex) -> None:
    bundles = [h["list_no"] for h in index.search("出生医学证明") if h["kind"] == "bundle"]
    assert 8 in bundles[:3]


def test_an_empty_or_bad_query_gets_a_clear_error() -> None:
    client = Client()
    empty = client.get("/api/v1/search", {"q": "  "})
    assert empty.status_code == 400
    assert "请输入" in empty.json()["error"]["details"]["q"]
    assert client.get("/api/v1/search", {"q": "x", "kind": "other"}).status_code == 400
    assert client.get("/api/v1/search", {"q": "x", "limit": "many"}).status_code == 400


def test_nonsense_finds_nothing_rather_than_everything(index: SearchIndex) -> None:
    assert index.search("！！！？？") == []


def test_tokens_drop_question_words() -> None:
    words = {t for t, kind in tokens("孩子刚出生要办什么") if kind == "word"}
    assert "出生" in words and "什么" not in words
