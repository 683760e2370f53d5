"""Every transition of the closed loop, and every wrong one refused with a clear error."""

import datetime as dt

import pytest
from django.utils import timezone

from govsvc.core.models import AuditRecord
from govsvc.hotline import services
from govsvc.hotline.models import Category, ClassifierFeedback, DispatchRule, Status, Ticket
from govsvc.hotline.services import ACTIONS, TransitionError

from .conftest import new_ticket

pytestmark = pytest.mark.django_db


def actions_of(ticket: Ticket) -> list[str]:
    return list(ticket.events.values_list("action", flat=True))


def audited(ticket: Ticket) -> list[str]:
    return list(
        AuditRecord.objects.filter(object_type="hotline.ticket", object_id=str(ticket.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_intake_classifies_and_proposes_the_department(places, catalogue, labour_bureau):
    ticket = new_ticket(places)

    assert ticket.status == Status.RECEIVED
    assert ticket.proposed_category.code == "labour"
    assert ticket.proposed_department == labour_bureau
    assert 0 < ticket.proposal_confidence <= 1
    assert ticket.district == places.district and ticket.street == places.street
    assert actions_of(ticket) == ["receive"]
    assert audited(ticket) == ["hotline.ticket.receive"]


def test_the_full_loop_from_intake_to_evaluation(
    places, catalogue, agent, labour_officer, supervisor, labour_bureau
):
    ticket = new_ticket(places)

    services.dispatch(ticket, actor=agent)
    assert ticket.status == Status.DISPATCHED
    assert ticket.department == labour_bureau and ticket.deadline is not None

    services.accept(ticket, actor=labour_officer)
    assert ticket.status == Status.PROCESSING

    deadline = ticket.deadline
    services.request_extension(ticket, actor=labour_officer, workdays=3, reason="需调查取证")
    assert ticket.extension_pending
    services.approve_extension(ticket, actor=supervisor)
    assert not ticket.extension_pending and ticket.deadline > deadline

    services.answer(ticket, actor=labour_officer, text="已责令企业于本周内支付欠薪。")
    assert ticket.status == Status.ANSWERED

    services.supervise(ticket, actor=supervisor, note="答复未说明支付金额，请补充")
    assert ticket.status == Status.PROCESSING and ticket.supervision_count == 1

    services.answer(ticket, actor=labour_officer, text="企业已支付欠薪 15000 元。")
    services.close(ticket, actor=agent)
    assert ticket.status == Status.CLOSED and ticket.on_time is True

    services.callback(ticket, actor=agent, note="来电人确认已收到工资", resolved=True)
    assert ticket.status == Status.VISITED

    services.evaluate(ticket, actor=agent, satisfaction="satisfied")
    assert ticket.status == Status.EVALUATED

    expected = [
        "receive",
        "dispatch",
        "accept",
        "request_extension",
        "approve_extension",
        "answer",
        "supervise",
        "answer",
        "close",
        "callback",
        "evaluate",
    ]
    assert actions_of(ticket) == expected
    assert audited(ticket) == [f"hotline.ticket.{a}" for a in expected]


def test_a_returned_ticket_is_redispatched(
    places, catalogue, agent, labour_officer, urban_officer, urban_bureau
):
    ticket = new_ticket(places, content="和平大道路灯坏了一大片，晚上很黑")
    services.dispatch(ticket, actor=agent, category=Category.objects.get(code="labour"))

    services.return_ticket(ticket, actor=labour_officer, reason="路灯不属于人社局职责")
    assert ticket.status == Status.RETURNED
    assert ticket.return_reason == "路灯不属于人社局职责"

    services.redispatch(
        ticket, actor=agent, department=urban_bureau, category=Category.objects.get(code="urban")
    )
    assert ticket.status == Status.DISPATCHED and ticket.department == urban_bureau
    services.accept(ticket, actor=urban_officer)
    assert ticket.status == Status.PROCESSING
    assert ClassifierFeedback.objects.get(ticket=ticket).chosen == "urban"


def test_an_objection_is_upheld_or_redispatched(
    places, catalogue, agent, supervisor, labour_officer, urban_bureau
):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)

    services.object_to_dispatch(ticket, actor=labour_officer, reason="应由区里先行处理")
    assert ticket.status == Status.OBJECTED
    services.uphold_dispatch(ticket, actor=supervisor, note="欠薪属人社职责")
    assert ticket.status == Status.DISPATCHED

    services.object_to_dispatch(ticket, actor=labour_officer, reason="再次异议")
    services.redispatch(ticket, actor=supervisor, department=urban_bureau)
    assert ticket.status == Status.DISPATCHED and ticket.department == urban_bureau


def test_a_rejected_extension_keeps_the_deadline(
    places, catalogue, agent, labour_officer, supervisor
):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)
    services.accept(ticket, actor=labour_officer)
    deadline = ticket.deadline

    services.request_extension(ticket, actor=labour_officer, workdays=2, reason="等待鉴定")
    services.reject_extension(ticket, actor=supervisor, note="事实清楚，无需延期")

    assert ticket.deadline == deadline and not ticket.extension_pending


def test_a_merged_duplicate_keeps_its_caller_informed(places, catalogue, agent, labour_officer):
    parent = new_ticket(places)
    child = new_ticket(places, caller_name="李四", caller_phone="13900001111")

    services.merge(child, into=parent, actor=agent)
    assert child.status == Status.MERGED and child.parent == parent

    services.dispatch(parent, actor=agent)
    services.accept(parent, actor=labour_officer)
    services.answer(parent, actor=labour_officer, text="已督促企业支付")
    services.close(parent, actor=agent)

    informed = [e.note for e in child.events.filter(action="caller_informed")]
    assert len(informed) == 3
    assert parent.number in informed[0] and "已督促企业支付" in informed[-1]
    assert "merge_child" in actions_of(parent)


def test_the_agent_answers_directly_from_the_knowledge_base(places, agent):
    ticket = new_ticket(places, content="社保卡丢了在哪里补办", kind="consult")

    services.direct_close(ticket, actor=agent, text="可在任一社保经办网点或“鄂汇办”补办。")

    assert ticket.status == Status.CLOSED and ticket.resolved is True
    services.evaluate(ticket, actor=agent, satisfaction="basic")
    assert ticket.status == Status.EVALUATED


def test_an_emergency_is_transferred(places, agent):
    ticket = new_ticket(places, content="楼下着火了，浓烟很大", urgency="critical")

    services.transfer_emergency(ticket, actor=agent, line="119")

    assert ticket.status == Status.TRANSFERRED and ticket.emergency_line == "119"


# --- refusals -----------------------------------------------------------------------------


def perform(name: str, ticket: Ticket, actor, **kwargs):
    calls = {
        "dispatch": lambda: services.dispatch(ticket, actor=actor),
        "accept": lambda: services.accept(ticket, actor=actor),
        "return": lambda: services.return_ticket(ticket, actor=actor, reason="不属本部门"),
        "object": lambda: services.object_to_dispatch(ticket, actor=actor, reason="有异议"),
        "uphold": lambda: services.uphold_dispatch(ticket, actor=actor),
        "redispatch": lambda: services.redispatch(
            ticket, actor=actor, department=kwargs["department"]
        ),
        "request_extension": lambda: services.request_extension(
            ticket, actor=actor, workdays=2, reason="需要时间"
        ),
        "approve_extension": lambda: services.approve_extension(ticket, actor=actor),
        "reject_extension": lambda: services.reject_extension(ticket, actor=actor),
        "answer": lambda: services.answer(ticket, actor=actor, text="已处理"),
        "supervise": lambda: services.supervise(ticket, actor=actor, note="请加快"),
        "close": lambda: services.close(ticket, actor=actor),
        "direct_close": lambda: services.direct_close(ticket, actor=actor, text="答复"),
        "callback": lambda: services.callback(ticket, actor=actor, note="已回访"),
        "evaluate": lambda: services.evaluate(ticket, actor=actor, satisfaction="satisfied"),
        "merge": lambda: services.merge(ticket, into=kwargs["into"], actor=actor),
        "transfer_emergency": lambda: services.transfer_emergency(ticket, actor=actor, line="110"),
    }
    return calls[name]()


def ticket_in(status: str, places, labour_bureau) -> Ticket:
    ticket = new_ticket(places)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=status,
        department=labour_bureau,
        category=Category.objects.get(code="labour"),
        deadline=timezone.now() + dt.timedelta(days=3),
    )
    ticket.refresh_from_db()
    return ticket


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_every_action_not_allowed_in_a_state_is_refused(
    status, places, catalogue, labour_bureau, urban_bureau
):
    ticket = ticket_in(status, places, labour_bureau)
    other = new_ticket(places)
    refused = [name for name, a in ACTIONS.items() if status not in a.sources]
    assert refused, status

    for name in refused:
        events_before = ticket.events.count()
        with pytest.raises(TransitionError) as error:
            perform(name, ticket, None, department=urban_bureau, into=other)
        label = ACTIONS[name].label
        assert f"当前状态为“{Status(status).label}”" in error.value.message
        assert f"不能执行“{label}”" in error.value.message
        ticket.refresh_from_db()
        assert ticket.status == status and ticket.events.count() == events_before


def test_a_department_cannot_act_on_another_departments_ticket(
    places, catalogue, agent, urban_officer
):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)

    with pytest.raises(TransitionError, match="不在本部门办理"):
        services.accept(ticket, actor=urban_officer)


def test_an_officer_cannot_dispatch_or_close(places, catalogue, agent, labour_officer):
    ticket = new_ticket(places)
    with pytest.raises(TransitionError, match=r"没有权限.*派单"):
        services.dispatch(ticket, actor=labour_officer)

    services.dispatch(ticket, actor=agent)
    services.accept(ticket, actor=labour_officer)
    services.answer(ticket, actor=labour_officer, text="已处理")
    with pytest.raises(TransitionError, match=r"没有权限.*办结"):
        services.close(ticket, actor=labour_officer)


def test_refusals_with_missing_or_wrong_input(
    places, catalogue, agent, labour_officer, supervisor, labour_bureau
):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)
    with pytest.raises(TransitionError, match="请填写退单理由"):
        services.return_ticket(ticket, actor=labour_officer, reason="  ")
    with pytest.raises(TransitionError, match="原承办部门相同"):
        services.redispatch(ticket, actor=agent, department=labour_bureau)

    services.accept(ticket, actor=labour_officer)
    with pytest.raises(TransitionError, match="没有待审批的延期申请"):
        services.approve_extension(ticket, actor=supervisor)
    with pytest.raises(TransitionError, match="1 到 30"):
        services.request_extension(ticket, actor=labour_officer, workdays=90, reason="久")
    services.request_extension(ticket, actor=labour_officer, workdays=2, reason="调查")
    with pytest.raises(TransitionError, match="不能重复申请"):
        services.request_extension(ticket, actor=labour_officer, workdays=2, reason="调查")
    with pytest.raises(TransitionError, match="不能把工单并入它自己"):
        services.merge(ticket, into=ticket, actor=agent)
    with pytest.raises(TransitionError, match="满意"):
        services.evaluate(ticket, actor=agent, satisfaction="great")


def test_dispatch_without_a_catalogue_entry_asks_for_a_department(places, agent):
    DispatchRule.objects.filter(category__code="environment").delete()
    ticket = new_ticket(places, content="楼下餐馆油烟直排")
    with pytest.raises(TransitionError, match="派单目录中没有"):
        services.dispatch(ticket, actor=agent, category=Category.objects.get(code="environment"))
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RECEIVED


def test_cannot_merge_into_a_merged_ticket(places, agent):
    first, second, third = new_ticket(places), new_ticket(places), new_ticket(places)
    services.merge(second, into=first, actor=agent)
    with pytest.raises(TransitionError, match="不能作为并单对象"):
        services.merge(third, into=second, actor=agent)


def test_corrections_are_exported_as_training_data(places, catalogue, agent, tmp_path):
    from django.core.management import call_command

    from govsvc.hotline import classifier

    ticket = new_ticket(places, content="路灯坏了一大片")
    services.dispatch(ticket, actor=agent, category=Category.objects.get(code="labour"))
    out = tmp_path / "feedback.csv"

    call_command("hotline_export_feedback", str(out))

    data = classifier.load_dataset(out, "text", "label")
    assert data.texts == ["路灯坏了一大片"] and data.labels == ["labour"]
