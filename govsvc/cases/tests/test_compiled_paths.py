"""Compiled hot queries (govsvc.core.compiled) answer exactly as the querysets they stand for."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from govsvc.cases import api, services
from govsvc.cases.models import Case, CaseEvent, SubCase
from govsvc.cases.tests import personas
from govsvc.cases.tests.test_rules import _accepted_newborn
from govsvc.core.compiled import Compiled

pytestmark = pytest.mark.django_db


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_instances_and_values_equal_the_querysets() -> None:
    user, _ = personas.resident()
    case = _accepted_newborn(user)
    events = Compiled(lambda case: CaseEvent.objects.filter(case_id=case), case=int)
    got = events(case=case.pk)
    want = list(CaseEvent.objects.filter(case_id=case.pk))
    assert len(got) > 1 and [_fields(e) for e in got] == [_fields(e) for e in want]
    assert all(e._state.adding is False and e._state.db == "default" for e in got)

    rows = Compiled(
        lambda subs: SubCase.objects.filter(pk__in=subs).values("id", "status", "deadline"),
        subs=list[int],
    )
    ids = list(case.subcases.values_list("pk", flat=True))
    for some in (ids[:1], ids, ids[:2]):  # each length compiles its own SQL
        assert rows(subs=some) == list(
            SubCase.objects.filter(pk__in=some).values("id", "status", "deadline")
        )
    assert events(case=-1) == []


def test_a_query_it_cannot_compile_is_refused() -> None:
    joined = Compiled(
        lambda case: SubCase.objects.filter(case_id=case).select_related("case"), case=int
    )
    with pytest.raises(ValueError, match="follow relations"):
        joined(case=1)
    # a parameter that does not reach the SQL as a value (here: inside a LIKE pattern)
    pattern = Compiled(lambda text: Case.objects.filter(number__contains=text), text=str)
    with pytest.raises(ValueError, match="does not reach"):
        pattern(text="WH")
    with pytest.raises(TypeError, match="parameters"):
        joined(case=1, extra=2)


def test_visible_case_equals_visible_cases_for_every_kind_of_user() -> None:
    owner, _ = personas.resident()
    stranger, _ = personas.resident("李四")
    case = _accepted_newborn(owner)
    sub = case.subcases.first()
    assert sub is not None
    officer = personas.staff(sub.department)
    window = personas.staff(case.lead_department)
    users = [owner, stranger, officer, window]
    for user in users:
        want = services.visible_cases(user).filter(number=case.number).first()
        got = services.visible_case(user, case.number)
        assert (got and got.pk) == (want and want.pk), user
    assert services.visible_case(owner, case.number) is not None
    assert services.visible_case(stranger, case.number) is None
    assert services.visible_case(officer, "WH-no-such-case") is None


def test_the_compiled_first_queue_page_equals_the_paged_queryset(settings: Any) -> None:
    user, _ = personas.resident()
    for _ in range(3):
        _accepted_newborn(user)
    sub = SubCase.objects.filter(status__in=services.OPEN_SUB_STATUSES).first()
    assert sub is not None
    client = personas.client_for(personas.staff(sub.department))
    api.QueuePagination.page_size = 2  # so that there is a next page
    try:
        api._OPEN_QUEUE._plans.clear()
        fast = client.get("/api/v1/subcases/").json()
        # the same page through DRF's own cursor paging (any query parameter takes that path)
        slow = client.get("/api/v1/subcases/?page_hint=1").json()
    finally:
        api.QueuePagination.page_size = 50
        api._OPEN_QUEUE._plans.clear()
    assert fast["results"] and fast["results"] == slow["results"]
    assert fast["previous"] is None and fast["next"] is not None
    follow = client.get(fast["next"]).json()
    assert follow["results"] and {r["id"] for r in follow["results"]}.isdisjoint(
        {r["id"] for r in fast["results"]}
    )

    def cursor(link: str) -> list[str]:
        return parse_qs(urlsplit(link).query)["cursor"]

    assert cursor(fast["next"]) == cursor(slow["next"])


def test_insert_writes_what_save_writes() -> None:
    from govsvc.cases.models import OutboxEvent
    from govsvc.core.compiled import insert
    from govsvc.core.models import AuditRecord

    user, _ = personas.resident()
    case = _accepted_newborn(user)

    def same_rows(make: Any, *skip: str) -> Any:
        fast, slow = make(), make()
        insert(fast)
        slow.save(force_insert=True)
        assert fast.pk is not None and not fast._state.adding and fast._state.db == "default"
        model = type(fast)
        ignore = {model._meta.pk.attname, *skip}
        a, b = (_fields(model.objects.get(pk=o.pk)) for o in (fast, slow))
        assert {k: v for k, v in a.items() if k not in ignore} == {
            k: v for k, v in b.items() if k not in ignore
        }
        return model.objects.get(pk=fast.pk)

    event = same_rows(lambda: CaseEvent(case=case, kind="note", message="说明", actor=user), "at")
    assert event.at is not None and event.case_id == case.pk  # auto_now_add, foreign key
    record = same_rows(
        lambda: AuditRecord(
            actor=user, action="x", object_type="cases.case", data={"键": [1, "二"]}
        ),
        "at",
    )
    assert record.data == {"键": [1, "二"]}
    out = same_rows(lambda: OutboxEvent(topic="t", case=case, payload={"n": "您好"}), "created_at")
    assert out.payload == {"n": "您好"} and out.relayed_at is None


def test_insert_all_writes_each_row_and_reads_each_key() -> None:
    """One round trip on PostgreSQL (several statements, a result each), one by one elsewhere."""
    from govsvc.cases.models import OutboxEvent
    from govsvc.core.compiled import insert_all
    from govsvc.core.models import AuditRecord

    user, _ = personas.resident()
    case = _accepted_newborn(user)
    rows = insert_all(
        CaseEvent(case=case, kind="a", message="一"),
        OutboxEvent(topic="t", case=case, payload={"n": 1}),  # key made in Python
        AuditRecord(action="x", object_type="cases.case", object_id=str(case.pk), data={}),
        CaseEvent(case=case, kind="b", message="二"),
    )
    first, out, record, second = rows
    assert first.pk and record.pk and second.pk and second.pk > first.pk
    assert CaseEvent.objects.get(pk=first.pk).message == "一"
    assert CaseEvent.objects.get(pk=second.pk).kind == "b"
    assert OutboxEvent.objects.get(pk=out.pk).payload == {"n": 1}
    assert AuditRecord.objects.get(pk=record.pk).object_id == str(case.pk)
    assert all(not row._state.adding for row in rows)


def test_together_answers_as_the_queries_one_by_one() -> None:
    from govsvc.core.compiled import together

    user, _ = personas.resident()
    case = _accepted_newborn(user)
    events = Compiled(lambda case: CaseEvent.objects.filter(case_id=case), case=int)
    subs = Compiled(
        lambda case: SubCase.objects.filter(case_id=case).values("id", "status"), case=int
    )
    got_events, got_subs, none = together(
        (events, {"case": case.pk}), (subs, {"case": case.pk}), (events, {"case": -1})
    )
    assert [_fields(e) for e in got_events] == [_fields(e) for e in events(case=case.pk)]
    assert got_subs == subs(case=case.pk) and len(got_subs) > 1
    assert none == []
