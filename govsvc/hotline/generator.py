"""Realistic citizen messages for the twelve matter categories, made up from templates.

The default classifier is trained on these, so the platform works on the first day
before any real tickets exist. Messages mix a caller's opening, a place in Wuhan, the
matter itself with its details, and what the caller asks for; openings, places and asks
are shared across categories, so the model has to learn from the matter and not from
the phrasing around it. No message is a real caller's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# code, name, specialist seat (专席) or ""
CATEGORIES: list[tuple[str, str, str]] = [
    ("business", "营商环境", "business"),
    ("public_security", "公安服务", "public_security"),
    ("education", "教育", "education"),
    ("medical", "医疗卫生", "medical"),
    ("housing", "住房与物业", "housing"),
    ("urban", "城市管理", ""),
    ("traffic", "交通出行", ""),
    ("environment", "生态环境", ""),
    ("labour", "劳动与社保", ""),
    ("utilities", "水电气", ""),
    ("market", "市场监管与消费", ""),
    ("civil", "民政与社会救助", ""),
]

DISTRICTS = [
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
    "蔡甸区",
    "江夏区",
    "黄陂区",
    "新洲区",
    "汉南区",
    "东湖高新区",
    "经开区",
]
STREETS = [
    "永清街",
    "球场街",
    "汉兴街",
    "万松街",
    "宗关街",
    "汉正街",
    "四新街",
    "琴断口街",
    "中南路街",
    "水果湖街",
    "徐家棚街",
    "红卫路街",
    "关山街",
    "珞南街",
    "吴家山街",
    "金银湖街",
    "纸坊街",
    "前川街",
    "邾城街",
    "沌口街",
    "关东街",
    "南湖街",
    "积玉桥街",
]
PLACES = ["小区", "花园", "家园", "城", "公馆", "新村", "社区", "苑", "华府", "佳园"]
PLACE_HEADS = [
    "幸福",
    "金色",
    "阳光",
    "锦绣",
    "东方",
    "江城",
    "长江",
    "南湖",
    "后湖",
    "光谷",
    "晴川",
    "汉江",
    "汤逊湖",
    "知音",
    "黄鹤",
    "沙湖",
    "常青",
    "四季",
]
ROADS = [
    "解放大道",
    "中山大道",
    "建设大道",
    "武珞路",
    "珞喻路",
    "雄楚大道",
    "友谊大道",
    "发展大道",
    "鹦鹉大道",
    "汉阳大道",
    "民族大道",
    "光谷大道",
    "和平大道",
    "工农路",
]

OPENINGS = [
    "",
    "",
    "您好，",
    "你好，",
    "我想反映一个问题，",
    "我要反映，",
    "市民来电反映：",
    "来电人称，",
    "网民留言：",
    "我是附近的居民，",
    "本人是这里的住户，",
    "麻烦问一下，",
    "打扰了，",
    "请领导重视一下，",
    "多次反映未果，",
    "再次反映，",
]
ASKS = [
    "",
    "",
    "希望尽快处理。",
    "请相关部门核实处理。",
    "请尽快解决。",
    "希望有关部门管一管。",
    "请给个说法。",
    "望回复。",
    "请尽快给予答复，谢谢。",
    "希望相关部门重视。",
    "诉求：尽快解决。",
    "麻烦跟进一下。",
    "已经影响正常生活了。",
    "请督促整改。",
]
TIMES = [
    "最近",
    "这几天",
    "上个月开始",
    "从上周起",
    "今年以来",
    "一直以来",
    "昨天晚上",
    "今天上午",
    "前天",
    "这段时间",
    "连续一个星期",
    "半个多月来",
]

MATTERS: dict[str, list[str]] = {
    "business": [
        "我们公司在{district}政务中心办理营业执照变更，材料交了{n}次还是被退回，每次要求都不一样",
        "申请的{policy}补贴已经公示了{n}个月，资金一直没有拨付到企业账户",
        "企业开办时被要求必须到指定的刻章店刻章，收费比别处贵很多",
        "工程项目施工许可审批拖了{n}个月，窗口说等部门会签，企业损失很大",
        "园区管委会要求企业缴纳所谓的服务费，没有任何依据，属于乱收费",
        "中小企业申报{policy}政策，网上系统一直提示材料不全但不说缺什么",
        "政府工程款拖欠我们企业{n}十万元，多次催要没有结果",
        "招投标设置了不合理的门槛，明显是为特定企业量身定做",
        "企业注销办了几个月，税务和市场监管两边来回跑，办不下来",
        "想了解{policy}的申报条件和办理流程，企业符合哪些优惠",
        "环评和消防验收各部门标准打架，企业无所适从，项目停工",
        "涉企检查太多，一个月来了{n}拨人检查，严重影响生产经营",
    ],
    "public_security": [
        "孩子落户需要准备哪些材料，派出所说要开{proof}证明",
        "身份证丢失了，想问在{district}哪个派出所可以补办，需要多久",
        "{place}楼下晚上有人聚众赌博打架，存在治安隐患",
        "我接到诈骗电话被骗了{n}千元，已经报警，想问案件进展",
        "户口迁移办理一直不成功，派出所和网上说法不一致",
        "{place}附近经常有人偷电动车，监控坏了也没人修",
        "居住证办理需要什么材料，租房合同没有备案能不能办",
        "有人在{road}边上非法放高利贷，张贴小广告，威胁借款人",
        "办理护照和港澳通行证的出入境大厅预约不上",
        "邻居养大型犬不拴绳，已经咬伤了人，派出所说不归他们管",
        "车辆被违法扣分但当时车不在武汉，想申请复核交通违法记录",
        "网吧接纳未成年人上网到深夜，请公安部门查处",
    ],
    "education": [
        "孩子今年上小学，{place}划片到的学校太远，想问学区划分依据",
        "幼儿园收费标准突然上涨，还要额外交{n}百元的兴趣班费用",
        "学校老师私下有偿补课，暗示家长必须参加",
        "校外培训机构卷款跑路，预交的{n}千元学费退不回来",
        "初中入学积分怎么计算，非本地户籍孩子能否在{district}就读",
        "学校食堂饭菜质量差，孩子多次反映吃了肚子疼",
        "学生作业负担太重，每天写到晚上十一点，双减没有落实",
        "中考体育考试项目和加分政策想咨询一下",
        "随迁子女入学需要提交哪些材料，社保要求交满几年",
        "学校放学时间太早，双职工家庭接不了孩子，课后服务收费不透明",
        "民办学校擅自提高学费，没有经过物价部门备案",
        "孩子在学校被同学欺凌，学校处理不当，家长很担心",
    ],
    "medical": [
        "在{hospital}看病排队挂号{n}个小时，号源全被黄牛抢走",
        "医保异地就医报销比例太低，住院费用结算不了",
        "{hospital}医生态度恶劣，病人询问病情被训斥",
        "门诊慢特病申请一直审核不通过，药费负担很重",
        "社区卫生服务中心没有疫苗，孩子打针要跑很远",
        "医院乱收费，检查项目重复收费，清单上有没做过的项目",
        "想问新生儿医保怎么办理，出生医学证明在哪里开",
        "药店医保卡刷不了，说系统升级已经好几天",
        "{hospital}急诊等了很久没有医生处理，耽误病情",
        "家里老人做了手术，医保报销材料要准备哪些",
        "诊所无证行医，给人打针输液，存在安全隐患",
        "职工医保个人账户家庭共济怎么操作",
    ],
    "housing": [
        "{place}物业不作为，电梯经常坏，收了物业费也不维修",
        "买的{place}商品房延期交房{n}个月，开发商不给说法",
        "申请公租房已经{n}年了还在轮候，想问进度",
        "房子买了{n}年房产证还办不下来，开发商说在等土地手续",
        "老旧小区加装电梯，低层住户反对，想问怎么协调",
        "住房公积金提取被拒，说租房提取要提供备案合同",
        "物业公司擅自涨物业费，业主委员会选举被阻挠",
        "新房交付后墙面开裂漏水，开发商拖着不维修",
        "住宅专项维修资金怎么申请使用，屋顶漏水要维修",
        "房东不退押金，租房合同到期后还扣了{n}千元",
        "{place}楼顶有人违规加建，物业说管不了",
        "公积金贷款审批太慢，买房合同要违约了",
    ],
    "urban": [
        "{road}人行道上占道经营的小摊太多，行人只能走机动车道",
        "{place}门口的垃圾桶好几天没人清运，臭气熏天",
        "{road}路灯坏了一大片，晚上走路很危险",
        "{place}旁边的井盖缺失，已经有人掉下去受伤",
        "有人在{place}绿化带里私搭乱建，占用公共绿地",
        "{road}上的共享单车乱停乱放，堵住了盲道",
        "工地渣土车沿路抛撒，{road}上全是泥土",
        "{place}外墙上的广告牌松动，大风天怕掉下来",
        "{road}边上有人乱贴小广告，墙面脏乱差",
        "小区门口的违章建筑一直没有拆除",
        "{road}的行道树倒伏，挡住了路，需要城管清理",
        "夜市摊位占道到凌晨，城管不来管",
    ],
    "traffic": [
        "{bus}路公交车间隔太长，早高峰等了{n}十分钟",
        "出租车司机拒载绕路，打表多收了{n}十元",
        "{road}和{road2}路口红绿灯时间设置不合理，经常堵车",
        "建议在{place}附近增设公交站点，居民出行很不方便",
        "地铁{n}号线早高峰太挤，建议增加班次",
        "{road}路面坑洼不平，电动车经过容易摔倒",
        "{place}周边停车位太少，乱停车很严重，车位收费太贵",
        "网约车平台扣款不合理，司机中途甩客",
        "{road}的斑马线没有信号灯，老人孩子过马路很危险",
        "{road}施工围挡占了两条车道，拥堵严重，什么时候完工",
        "长途汽车站售票窗口太少，排队买票很困难",
        "公交卡充值点撤销了，老年卡年审不方便",
    ],
    "environment": [
        "{place}楼下的餐馆油烟直排，窗户都不敢开",
        "附近工地夜间施工噪音太大，凌晨{n}点还在打桩",
        "{place}旁边的工厂排放刺鼻气味，晚上更严重",
        "有人往{lake}里排放污水，水面发黑发臭",
        "广场舞音响声音太大，每天晚上吵到十点",
        "{road}边上有人焚烧垃圾和秸秆，浓烟滚滚",
        "KTV和酒吧噪音扰民，深夜还在大声播放音乐",
        "汽修店喷漆没有任何处理，废气直接排到小区",
        "{lake}边有人非法倾倒建筑垃圾，污染湖水",
        "化工企业疑似偷排废水，河里出现大量死鱼",
        "搅拌站粉尘污染严重，周边车辆上都是一层灰",
        "养殖场臭味大，粪污直接排进水沟",
    ],
    "labour": [
        "我在{company}工作了{n}个月，老板拖欠工资不发",
        "公司不给员工缴纳社保，离职时才发现",
        "想咨询失业保险金怎么申领，需要哪些材料",
        "工地老板拖欠农民工工资{n}万元，包工头联系不上",
        "公司违法解除劳动合同，不给经济补偿",
        "养老保险转移接续一直办不下来，外地社保转不过来",
        "灵活就业人员怎么参加养老保险，每月缴多少",
        "单位强制加班不给加班费，一周上七天班",
        "工伤认定申请提交了{n}个月还没有结果",
        "退休手续办理需要哪些材料，档案丢失了怎么办",
        "社保卡丢失补办，想问在哪里办理",
        "试用期被辞退，公司不给结算最后一个月工资",
    ],
    "utilities": [
        "{place}突然停水了，没有任何通知，到现在还没来水",
        "{place}已经停电{n}个小时，冰箱里的东西都坏了",
        "自来水发黄有异味，不敢饮用",
        "燃气表读数异常，这个月燃气费比平时多了{n}倍",
        "天然气管道疑似漏气，楼道里有燃气味",
        "{place}经常电压不稳，家电都烧坏了",
        "申请燃气开户报装，燃气公司迟迟不上门",
        "水费账单有问题，家里没人住也产生了{n}吨用水",
        "小区二次供水水压太低，高层用不上水",
        "{road}的供水管道爆裂，水流满地",
        "供电公司抄表不准，电费突然翻倍",
        "小区宽带和通信信号太差，打电话都断断续续",
    ],
    "market": [
        "在{shop}办了{n}千元的预付卡，现在店铺关门跑路了",
        "网购的商品有质量问题，商家拒绝退换货",
        "{shop}卖的食品过期了还在销售，吃了拉肚子",
        "超市商品标价和结账价格不一致，多收钱",
        "健身房倒闭，会员卡里还有{n}千元没退",
        "买到假冒名牌商品，商家不承认",
        "饭店后厨卫生太差，看到有老鼠",
        "电动车充电站收费不明码标价",
        "培训机构虚假宣传，承诺包过考试，现在不退费",
        "菜市场缺斤短两，秤有问题",
        "药店销售过期药品，请市场监管部门查处",
        "二手车商隐瞒车况，买到了事故车",
    ],
    "civil": [
        "家里老人{n}十多岁了，想咨询高龄津贴怎么申请",
        "申请低保材料交了{n}个月，社区说还在审核",
        "残疾人证办理需要去哪里鉴定，需要什么材料",
        "社区养老服务中心收费不透明，服务质量差",
        "结婚登记需要预约吗，在{district}婚姻登记处办",
        "困难家庭想申请临时救助，不知道找哪个部门",
        "流浪人员在{road}桥下居住，天冷了需要救助",
        "特困人员供养金发放不及时",
        "想把老人送到养老院，公办养老院排不上号",
        "殡葬服务收费太高，墓地价格离谱",
        "重度残疾人护理补贴停发了，不知道原因",
        "居家养老上门服务补贴怎么申请",
    ],
}

SLOT_VALUES = {
    "policy": ["稳岗", "专精特新", "高新技术企业", "研发费用", "创业担保贷款", "技改", "人才"],
    "proof": ["亲属关系", "出生", "无犯罪记录", "居住", "收养"],
    "hospital": [
        "协和医院",
        "同济医院",
        "中南医院",
        "省人民医院",
        "市中心医院",
        "区人民医院",
        "社区医院",
        "妇幼保健院",
        "儿童医院",
    ],
    "company": ["一家餐饮公司", "物流公司", "装修公司", "电子厂", "一家酒店", "保洁公司", "快递站"],
    "shop": ["美容店", "理发店", "健身房", "洗车店", "一家超市", "母婴店", "水果店", "奶茶店"],
    "lake": ["南湖", "东湖", "沙湖", "墨水湖", "汤逊湖", "后官湖", "金银湖"],
    "bus": ["521", "703", "10", "402", "578", "583", "707", "538", "24", "电车1"],
}


@dataclass
class Message:
    text: str
    category: str
    district: str
    street: str


def _place(rng: random.Random) -> str:
    return rng.choice(PLACE_HEADS) + rng.choice(PLACES)


def _fill(template: str, rng: random.Random, district: str) -> str:
    roads = rng.sample(ROADS, 2)
    values = {
        "district": district,
        "place": _place(rng),
        "road": roads[0],
        "road2": roads[1],
        "n": str(rng.randint(2, 9)),
        **{k: rng.choice(v) for k, v in SLOT_VALUES.items()},
    }
    return template.format(**values)


def compose(category: str, rng: random.Random) -> Message:
    district, street = rng.choice(DISTRICTS), rng.choice(STREETS)
    matter = _fill(rng.choice(MATTERS[category]), rng, district)
    parts = [rng.choice(OPENINGS)]
    if rng.random() < 0.45:
        parts.append(f"我住在{district}{street}{_place(rng)}，")
    if rng.random() < 0.5:
        parts.append(rng.choice(TIMES))
    parts.append(matter + "，")
    if rng.random() < 0.3:
        extra = _fill(rng.choice(MATTERS[category]), rng, district)
        parts.append("另外" + extra + "，")
    parts.append(rng.choice(ASKS))
    text = "".join(parts).rstrip("，") or matter
    if not text.endswith(("。", "？", "！")):
        text += "。"
    return Message(text=text, category=category, district=district, street=street)


def generate_messages(count_per_class: int = 400, seed: int = 1) -> list[Message]:
    rng = random.Random(seed)  # noqa: S311 - made-up messages, not secrets
    messages = [compose(code, rng) for code, _, _ in CATEGORIES for _ in range(count_per_class)]
    rng.shuffle(messages)
    return messages


def similar_messages(category: str, count: int, seed: int = 7) -> list[str]:
    """Variants of one matter, the way a burst of calls about one event reads."""
    rng = random.Random(seed)  # noqa: S311 - made-up messages, not secrets
    template = rng.choice(MATTERS[category])
    district = rng.choice(DISTRICTS)
    base = _fill(template, rng, district)
    return [rng.choice(OPENINGS) + base + "，" + rng.choice(ASKS) for _ in range(count)]
