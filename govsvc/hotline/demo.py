"""Demo tickets for the embedded platform, so a newcomer can walk the 12345 loop at once.

Made through the services, as an agent and a department would: one waiting for dispatch,
two dispatched by the catalogue, one signed for and answered by 江岸区城管执法局
(`urban01`), one closed on the spot from the knowledge base. Created once: a second run
finds them and adds nothing.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User

from govsvc.accounts.models import StaffRole
from govsvc.directory.models import Region
from govsvc.hotline import services
from govsvc.hotline.models import Kind, Ticket

DEMO_CALLER = "演示来电人"


@dataclass(frozen=True)
class DemoTicket:
    content: str
    kind: str
    region: str  # a community or street code in data/directory/regions.csv
    address: str
    stage: str  # received | dispatched | answered | direct
    reply: str = ""  # the department's answer (answered) or the agent's (direct)


DEMO_TICKETS = (
    DemoTicket("小区门口人行道上的路灯坏了一个多月，晚上很黑，老人出门不安全，希望尽快修好。",
               Kind.COMPLAINT, "420102002003", "江岸区保成社区保成路18号", "answered",
               "已安排维修班组更换灯具，今晚起恢复照明。"),
    DemoTicket("公司已经拖欠我们三个月工资，老板一直不接电话，请劳动监察帮忙追讨。",
               Kind.COMPLAINT, "420102002004", "江岸区泰宁社区", "dispatched"),
    DemoTicket("孩子明年上小学，想咨询学区划分和网上报名需要准备哪些材料。",
               Kind.CONSULT, "420102002005", "江岸区先锋社区", "dispatched"),
    DemoTicket("楼下烧烤店每天晚上油烟直排，噪音也很大，影响休息。",
               Kind.COMPLAINT, "420102002008", "江岸区吉庆社区吉庆街", "received"),
    DemoTicket("请问住房公积金提取需要哪些材料，可以在网上办理吗？",
               Kind.CONSULT, "420102002009", "江岸区铭新社区", "direct",
               "可通过武汉公积金中心网上服务大厅或“鄂汇办”办理，所需材料见办事指南。"),
)  # fmt: skip


def create_demo() -> list[Ticket]:
    existing = list(Ticket.objects.filter(caller_name=DEMO_CALLER).order_by("pk"))
    if existing:
        return existing
    agent = User.objects.get(username="agent")
    made = []
    for demo in DEMO_TICKETS:
        ticket = services.receive(
            services.Intake(
                content=demo.content, kind=demo.kind, caller_name=DEMO_CALLER,
                caller_phone="13800001234", address=demo.address,
                region=Region.objects.filter(code=demo.region).first(),
            ),
            actor=agent,
        )  # fmt: skip
        if demo.stage == "direct":
            ticket = services.direct_close(ticket, actor=agent, text=demo.reply)
        elif demo.stage in {"dispatched", "answered"}:
            ticket = services.dispatch(ticket, actor=agent)
        if demo.stage == "answered":
            officer = User.objects.filter(
                staff_profile__role=StaffRole.DEPARTMENT_OFFICER,
                staff_profile__department=ticket.department,
            ).first()
            if officer is not None:
                ticket = services.accept(ticket, actor=officer)
                ticket = services.answer(ticket, actor=officer, text=demo.reply)
        made.append(ticket)
    return made
