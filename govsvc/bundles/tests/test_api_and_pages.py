"""The bundle, item, department and region API and the portal pages, as a client sees them."""

import pytest
from django.test import Client

from govsvc.bundles.models import Bundle
from govsvc.bundles.savings import compute_savings

pytestmark = pytest.mark.django_db


def test_bundle_list_carries_departments_and_items() -> None:
    response = Client().get("/api/v1/bundles/")
    assert response.status_code == 200
    bundles = response.json()
    assert len(bundles) == 44
    newborn = next(b for b in bundles if b["list_no"] == 8)
    assert newborn["lead_departments"] == ["市卫健委"]
    assert set(newborn["departments"]) >= {"市公安局", "市人社局", "市医保局"}
    assert len(newborn["items"]) == 7
    assert all(len(i["code"]) == 12 for i in newborn["items"])


def test_bundle_detail_has_merged_materials_and_savings() -> None:
    data = Client().get("/api/v1/bundles/12/").json()
    names = [m["name"] for m in data["materials"]]
    assert len(names) == len(set(names))
    assert data["savings"]["materials"]["separate"] >= data["savings"]["materials"]["bundled"]
    assert Client().get("/api/v1/bundles/99/").status_code == 404


def test_savings_count_deduplicated_materials_and_fewer_visits() -> None:
    for bundle in Bundle.objects.all():
        savings = compute_savings(bundle)
        assert savings.materials.bundled <= savings.materials.separate, bundle.list_no
        assert savings.steps.separate >= len(bundle.bundle_items.all()), bundle.list_no
        assert savings.visits.bundled <= max(savings.visits.separate, 1), bundle.list_no


def test_items_filter_by_department_type_level_and_region() -> None:
    client = Client()
    everything = client.get("/api/v1/items/", {"limit": 1000}).json()
    assert everything["count"] > 100
    first = everything["results"][0]
    by_dept = client.get("/api/v1/items/", {"department": first["department_code"]}).json()
    assert by_dept["count"] >= 1
    assert all(r["department_code"] == first["department_code"] for r in by_dept["results"])
    licences = client.get("/api/v1/items/", {"type": "01", "level": "city"}).json()
    assert all(r["item_type"] == "01" and r["level"] == "city" for r in licences["results"])
    regional = client.get("/api/v1/items/", {"region": "420100000000"}).json()
    assert all(r["region_code"] == "420100000000" for r in regional["results"])


def test_item_detail_by_basic_and_implementation_code() -> None:
    client = Client()
    some = client.get("/api/v1/items/", {"base": "false"}).json()["results"][0]
    impl = client.get(f"/api/v1/items/{some['implementation_code']}/").json()
    assert impl["name"] == some["name"] and impl["materials"] is not None
    base = client.get(f"/api/v1/items/{some['basic_code']}/").json()
    assert base["is_base"] is True
    assert client.get("/api/v1/items/000000000000/").status_code == 404


def test_departments_and_regions() -> None:
    client = Client()
    departments = client.get("/api/v1/departments/", {"limit": 200}).json()["results"]
    assert any(d["short_name"] == "武汉公积金中心" for d in departments)
    districts = client.get("/api/v1/regions/", {"level": "district", "limit": 100}).json()
    assert districts["count"] >= 13
    streets = client.get("/api/v1/regions/", {"parent": "420102000000", "limit": 100}).json()
    assert streets["count"] >= 10


def test_the_schema_and_docs_are_served() -> None:
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/bundles/" in schema.content and b"/api/v1/search" in schema.content
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/", "/bundles/", "/bundles/?audience=enterprise", "/bundles/8/", "/search/?q=开饭馆要什么证",
     "/departments/", "/search/"],
)  # fmt: skip
def test_portal_pages_render(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert "<!doctype html>" in response.content.decode().lower()


def test_bundle_guide_tells_everything_once() -> None:
    page = Client().get("/bundles/8/").content.decode()
    assert "一次告知" in page and "承诺" in page and "减材料" in page
    assert "市卫健委" in page


def test_item_guide_and_department_pages() -> None:
    bundle = Bundle.objects.get(list_no=8)
    item = bundle.bundle_items.first().item  # type: ignore[union-attr]
    page = Client().get(f"/items/{item.basic_code}/")
    assert page.status_code == 200 and item.name in page.content.decode()
    assert Client().get(f"/departments/{item.department.code}/").status_code == 200


def test_unknown_pages_answer_in_chinese() -> None:
    response = Client().get("/bundles/999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() or "没有" in response.content.decode()


def test_an_unknown_api_address_answers_json_in_chinese() -> None:
    response = Client().get("/api/v1/items/not-a-code/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["message"] == "没有这个接口或对象"
