"""Synthetic e-commerce FAQ knowledge base and customer messages for `bench`, deterministic per seed.

Entries are topic templates × product names (series × product × model × edition), mostly Chinese
with some English, each with an answer and 1-2 similar questions. One paraphrase per topic is
held out of the knowledge base and used as a customer message, so most messages are realistic
near-misses rather than exact copies; about 10% of messages are off-topic questions.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_PRODUCTS = [
    ("手机壳", "phone case"), ("蓝牙耳机", "Bluetooth earbuds"), ("电饭煲", "rice cooker"),
    ("运动鞋", "running shoes"), ("羽绒服", "down jacket"), ("空气炸锅", "air fryer"),
    ("扫地机器人", "robot vacuum"), ("机械键盘", "mechanical keyboard"), ("保温杯", "insulated bottle"),
    ("电动牙刷", "electric toothbrush"), ("智能手表", "smartwatch"), ("行李箱", "suitcase"),
    ("投影仪", "projector"), ("吹风机", "hair dryer"), ("床垫", "mattress"), ("台灯", "desk lamp"),
    ("婴儿推车", "baby stroller"), ("咖啡机", "coffee machine"), ("充电宝", "power bank"),
    ("显示器", "monitor"), ("洗衣机", "washing machine"), ("冰箱", "refrigerator"),
    ("净水器", "water purifier"), ("加湿器", "humidifier"), ("电热水壶", "electric kettle"),
    ("瑜伽垫", "yoga mat"), ("双肩包", "backpack"), ("太阳镜", "sunglasses"), ("面霜", "face cream"),
    ("猫粮", "cat food"), ("儿童积木", "building blocks"), ("无人机", "drone"), ("相机", "camera"),
    ("平板电脑", "tablet"), ("路由器", "Wi-Fi router"), ("电竞椅", "gaming chair"),
    ("自行车", "bicycle"), ("帐篷", "tent"), ("电风扇", "electric fan"), ("微波炉", "microwave"),
]  # fmt: skip
_SERIES = [("星辰", "Stellar"), ("极光", "Aurora"), ("青禾", "Greenleaf"), ("云朵", "Cloud"),
           ("曜石", "Obsidian"), ("晨曦", "Dawn")]  # fmt: skip
_MODELS = ["Pro", "Max", "Lite", "S2", "X1", "mini"]
_EDITIONS = ["", "2024款", "2025款", "经典款", "升级版"]  # later tiers only for very large KBs

# (category, tags, question, [similar..., held-out paraphrase], answer); {p} is the product name.
_ZH = [
    ("售后", "保修|售后", "{p}的保修期是多久？",
     ["{p}保修几年", "{p}质保多长时间", "{p}坏了还在保修期内吗"],
     "{p}自签收之日起享受{n}年免费保修，人为损坏除外。请在“我的订单-售后”中凭订单号申请。"),
    ("售后", "退货|售后", "{p}可以七天无理由退货吗？",
     ["{p}能退吗", "{p}不想要了怎么退", "买的{p}不合适可以退货吗"],
     "{p}支持7天无理由退货，商品需保持完好、配件齐全。在订单页点击“申请退货”即可。"),
    ("物流", "发货|物流", "{p}下单后多久发货？",
     ["{p}什么时候能发货", "{p}几天能到", "今天买{p}明天能发吗"],
     "{p}现货订单{n}个工作日内发货，预售订单以商品页标注的时间为准。"),
    ("使用", "使用|说明书", "{p}怎么使用？",
     ["{p}的使用说明在哪里", "{p}第一次用要注意什么", "不会用{p}怎么办"],
     "{p}的电子说明书在商品详情页底部，也可以在“服务-说明书”中搜索型号下载。"),
    ("价格", "价保|优惠", "{p}降价了可以补差价吗？",
     ["买了{p}第二天就降价了", "{p}有价保吗", "{p}保价多少天"],
     "{p}享受{n}天价格保护，降价后可在订单页申请价保，差价原路退回。"),
    ("发票", "发票", "购买{p}可以开发票吗？",
     ["{p}能开增值税专用发票吗", "{p}的发票怎么申请", "买{p}给不给发票"],
     "购买{p}可开具电子普通发票或增值税专用发票，在订单详情页点击“申请开票”。"),
    ("库存", "库存|补货", "{p}还有货吗？",
     ["{p}什么时候补货", "{p}缺货了怎么办", "{p}现在能买到吗"],
     "{p}的库存以商品页显示为准，缺货时可点击“到货通知”，补货后第一时间提醒您。"),
    ("安装", "安装|服务", "{p}需要上门安装吗？",
     ["{p}包安装吗", "{p}安装收费吗", "{p}可以自己装吗"],
     "{p}提供免费上门安装，签收后在“服务-预约安装”中选择时间，师傅{n}天内上门。"),
    ("优惠", "优惠券|活动", "{p}可以用优惠券吗？",
     ["{p}有没有折扣", "{p}能叠加满减吗", "买{p}怎么领券"],
     "{p}可使用店铺券和平台券，满减活动可叠加，结算页会自动选择最优组合。"),
    ("商品", "配件|包装", "{p}包装里有哪些配件？",
     ["{p}送充电线吗", "{p}的包装清单", "{p}附带什么东西"],
     "{p}包装内含主机、说明书、保修卡和{n}件常用配件，详见商品页“包装清单”。"),
    ("商品", "材质|安全", "{p}是什么材质的？",
     ["{p}用的什么材料", "{p}材质安全吗", "{p}有没有异味"],
     "{p}采用环保材料，已通过国家强制性安全认证，开箱后通风{n}小时即可使用。"),
    ("商品", "尺寸|规格", "{p}的尺寸是多少？",
     ["{p}多大", "{p}有多重", "{p}的规格参数在哪看"],
     "{p}的尺寸和重量见商品详情页“规格参数”一栏，不同型号略有差异。"),
    ("售后", "换货|质量", "收到的{p}有问题可以换货吗？",
     ["{p}坏了能换新的吗", "{p}质量问题怎么换", "{p}换货要多久"],
     "签收{n}天内{p}出现质量问题可免费换新，在订单页提交换货申请并上传照片。"),
    ("物流", "运费|包邮", "{p}包邮吗？",
     ["买{p}要运费吗", "{p}偏远地区包邮吗", "{p}退货运费谁出"],
     "{p}全国包邮（港澳台及偏远地区除外），质量问题退换货运费由我们承担。"),
    ("使用", "清洁|保养", "{p}怎么清洁保养？",
     ["{p}脏了怎么洗", "{p}可以水洗吗", "{p}日常怎么保养"],
     "{p}请用柔软湿布擦拭，避免浸水和暴晒，每{n}个月做一次深度清洁。"),
    ("支付", "分期|支付", "{p}支持分期付款吗？",
     ["{p}能用花呗分期吗", "{p}分期有手续费吗", "买{p}可以信用卡分期吗"],
     "{p}支持{n}期免息分期，可使用花呗或信用卡，结算时选择分期数即可。"),
    ("商品", "正品|防伪", "{p}是正品吗？",
     ["{p}是不是官方正品", "{p}有防伪码吗", "怎么验证{p}的真伪"],
     "{p}均为品牌官方正品，包装上有防伪码，可在官网输入防伪码查询真伪。"),
    ("故障", "故障|维修", "{p}无法开机怎么办？",
     ["{p}开不了机", "{p}按了没反应", "{p}突然不工作了"],
     "请先给{p}充电{n}小时后长按电源键10秒重启；仍无法开机请联系售后安排检测。"),
    ("活动", "以旧换新", "{p}支持以旧换新吗？",
     ["旧的{p}能折价吗", "{p}回收怎么算价格", "{p}以旧换新的流程"],
     "{p}支持以旧换新，估价后最高抵扣{n}00元，旧机由快递上门取件。"),
    ("活动", "赠品", "买{p}有赠品吗？",
     ["{p}送什么礼品", "{p}赠品什么时候发", "{p}的赠品可以不要吗"],
     "活动期间购买{p}赠送{n}件好礼，赠品随主商品一起发出，数量有限送完即止。"),
]  # fmt: skip
_EN = [
    ("after-sales", "warranty", "What is the warranty on the {p}?",
     ["How long is the {p} warranty?", "Is my {p} still under warranty?",
      "Does the {p} come with a guarantee?"],
     "The {p} has a {n}-year warranty from the day you receive it; accidental damage is not covered."),
    ("after-sales", "returns", "Can I return the {p}?",
     ["How do I send back the {p}?", "Is there a return policy for the {p}?", "I want a refund for my {p}"],
     "You can return the {p} within 7 days if it is unused and complete; start on the order page."),
    ("shipping", "shipping", "When will my {p} ship?",
     ["How long does the {p} take to arrive?", "Has my {p} shipped yet?",
      "What is the delivery time for the {p}?"],
     "In-stock {p} orders ship within {n} business days; pre-orders ship on the date shown."),
    ("usage", "manual", "How do I use the {p}?",
     ["Where is the {p} manual?", "Is there a user guide for the {p}?", "How to set up the {p}"],
     "The {p} manual is at the bottom of the product page, or search the model under Service > Manuals."),
    ("price", "price protection", "Do you offer price protection on the {p}?",
     ["The {p} got cheaper after I bought it", "Can I get the price difference for the {p}?",
      "Will you refund the difference if the {p} goes on sale?"],
     "The {p} has {n}-day price protection; request it on the order page and the difference is refunded."),
    ("invoice", "invoice", "Can I get an invoice for the {p}?",
     ["How do I request a {p} invoice?", "Do you provide a VAT invoice for the {p}?",
      "I need a receipt for my {p}"],
     "Open the order and choose Request invoice; electronic invoices for the {p} arrive by e-mail."),
    ("stock", "stock", "Is the {p} in stock?",
     ["When will the {p} be back in stock?", "Is the {p} sold out?", "Can I still buy the {p}?"],
     "Stock for the {p} is shown on the product page; tap Notify me to hear when it is back."),
    ("troubleshooting", "repair", "My {p} won't turn on, what should I do?",
     ["The {p} does not power on", "The {p} stopped working", "Nothing happens when I press the {p} button"],
     "Charge the {p} for {n} hours, then hold the power button for 10 seconds; if that fails, contact us."),
]  # fmt: skip
_OFF_TOPIC = [
    "今天{c}天气怎么样？", "你们公司在{c}招聘吗？", "帮我写一首关于{c}的诗", "{c}有什么好吃的推荐",
    "周末去{c}旅游怎么安排", "{c}到北京的高铁几点发车", "你喜欢{c}吗", "讲个关于{c}的笑话",
    "What's the weather like in {e} today?", "Can you recommend a good restaurant in {e}?",
    "Write me a poem about {e}", "Who won the football match in {e} last night?",
]  # fmt: skip
_PLACES = [("上海", "Shanghai"), ("成都", "Chengdu"), ("杭州", "Hangzhou"), ("西安", "Xi'an"),
           ("广州", "Guangzhou"), ("重庆", "Chongqing"), ("青岛", "Qingdao"), ("大理", "Dali")]  # fmt: skip
ENGLISH_SHARE = 0.15
UNKNOWN_SHARE = 0.10


@dataclass(frozen=True)
class SyntheticFaq:
    entry: dict[str, Any]  # in the documented faq.json format
    held_out: str  # a paraphrase not in the knowledge base


def _combos(n_topics: int, rng: random.Random) -> Iterator[tuple[int, int, int, int, int]]:
    """(edition, series, product, model, topic) indices; each edition tier shuffled, in tier order."""
    for edition in range(len(_EDITIONS)):
        tier = [
            (edition, s, p, m, t)
            for s in range(len(_SERIES))
            for p in range(len(_PRODUCTS))
            for m in range(len(_MODELS))
            for t in range(n_topics)
        ]
        rng.shuffle(tier)
        yield from tier


def max_kb_size() -> int:
    return len(_EDITIONS) * len(_SERIES) * len(_PRODUCTS) * len(_MODELS) * (len(_ZH) + len(_EN))


def generate_faqs(n: int, seed: int = 7) -> list[SyntheticFaq]:
    if not 1 <= n <= max_kb_size():
        raise ValueError(f"kb_size: between 1 and {max_kb_size()}")
    rng = random.Random(seed)
    zh, en = _combos(len(_ZH), rng), _combos(len(_EN), rng)
    out: list[SyntheticFaq] = []
    for i in range(n):
        english = rng.random() < ENGLISH_SHARE
        combo = next(en if english else zh, None)
        if combo is None:  # one language ran out: take the other
            english = not english
            combo = next(en if english else zh)
        edition, s, p, m, t = combo
        if english:
            name = f"{_SERIES[s][1]} {_PRODUCTS[p][1]} {_MODELS[m]}" + (f" ({_EDITIONS[edition]})" if edition else "")
            category, tags, question, similar, answer = _EN[t]
        else:
            name = f"{_SERIES[s][0]}{_PRODUCTS[p][0]}{_MODELS[m]}{_EDITIONS[edition]}"
            category, tags, question, similar, answer = _ZH[t]
        stored = similar[: rng.choice((1, 2))]
        entry = {
            "id": f"bench_{i:06d}",
            "question": question.format(p=name),
            "similar_questions": [q.format(p=name) for q in stored],
            "answer": answer.format(p=name, n=rng.randint(1, 5)),
            "category": category,
            "tags": tags.split("|"),
            "language": "en" if english else "zh",
        }
        out.append(SyntheticFaq(entry, similar[-1].format(p=name)))
    return out


def generate_messages(faqs: list[SyntheticFaq], n: int, seed: int = 7) -> list[str]:
    """Customer messages: ~90% about a KB entry (mostly paraphrases), ~10% off-topic."""
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        if rng.random() < UNKNOWN_SHARE:
            zh_place, en_place = rng.choice(_PLACES)
            out.append(rng.choice(_OFF_TOPIC).format(c=zh_place, e=en_place))
            continue
        faq = rng.choice(faqs)
        pick = rng.random()
        if pick < 0.6:
            out.append(faq.held_out)
        elif pick < 0.85:
            out.append(rng.choice(faq.entry["similar_questions"]))
        else:
            out.append(faq.entry["question"])
    return out
