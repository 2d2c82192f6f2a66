"""Conversational repairs: "never mind", "ok thanks", "yes, a human please" — in zh and en, and
the commonest phrasings in fr, es, de, ko, ja and ru. Pure.

A form or an offer is waiting for an answer; these tell what else the customer may have said.
A message counts only when it is made *entirely* of such phrases (plus a little filler: 吧, 那,
please, ok…), after normalising it (NFKC, lower case, punctuation and emoji dropped). So "算了",
"那算了吧", "No thanks!" and "好的，不用了" cancel, while "不用发票可以吗" or "取消订单" do not:
they hold words that are in no list, so they are questions or requests of their own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Ends the open form (or declines an offer).
CANCEL: dict[str, tuple[str, ...]] = {
    "zh": ("算了", "不用了", "不用", "不要了", "不要", "不想退了", "不想退款了", "不退了", "不退款了", "不想办了",
           "不办了", "不查了", "不想查了", "不弄了", "先不弄了", "先不了", "先不用了", "不了", "取消", "取消吧",
           "不需要了", "不需要", "不想要了", "没事了", "没事", "没事儿", "不用麻烦了", "以后再说", "下次再说",
           "改天再说", "再说吧", "退出", "停", "不用转了", "不用转人工", "不等了", "不想等了"),
    "en": ("never mind", "nevermind", "nvm", "no thanks", "no thank you", "forget it", "forget about it",
           "cancel", "cancel that", "cancel it", "stop", "quit", "exit", "not now", "no need",
           "dont bother", "i changed my mind", "changed my mind", "leave it"),
    # Other languages: the phrases a customer uses to drop it (and the "no thanks" button label).
    "fr": ("laisse tomber", "laissez tomber", "annuler", "non merci", "pas besoin"),
    "es": ("olvídalo", "olvidalo", "cancelar", "no gracias", "no hace falta"),
    "de": ("vergiss es", "abbrechen", "nein danke", "nicht nötig"),
    "ko": ("취소", "괜찮아요", "됐어요", "아니요 괜찮아요"),
    "ja": ("キャンセル", "大丈夫です", "結構です", "やめます"),
    "ru": ("отмена", "не надо", "нет спасибо"),
}
# No to an offer ("shall I connect you to an agent?"): a cancel, or a bare no.
NO: dict[str, tuple[str, ...]] = {
    "zh": ("不", "不要", "不用", "不需要", "不必", "否", "不是"),
    "en": ("no", "nope", "nah", "no need", "not really"),
    "fr": ("non", "non merci"),
    "es": ("no gracias",),
    "de": ("nein", "nein danke"),
    "ko": ("아니요", "아니오", "괜찮아요"),
    "ja": ("いいえ", "大丈夫です", "結構です"),
    "ru": ("нет", "нет спасибо"),
}
# Acknowledgements and small talk: not an answer, not a refusal. The bot asks again, gently.
ACK: dict[str, tuple[str, ...]] = {
    "zh": ("谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "好的", "好", "好滴", "好哒", "好吧", "嗯", "嗯嗯", "哦",
           "噢", "哦哦", "行", "可以", "收到", "明白", "知道了", "了解", "你好", "您好", "在吗", "在不在", "稍等",
           "等一下", "等等", "我找找", "我找一下", "我看看", "我查一下", "我查查", "让我找找", "马上"),
    "en": ("ok", "okay", "k", "kk", "thanks", "thank you", "thx", "ty", "got it", "sure", "alright", "all right",
           "fine", "hi", "hello", "hey", "one moment", "one sec", "a moment", "wait", "hold on",
           "let me check", "let me look", "let me find it", "just a sec", "sorry", "hmm", "um"),
    "fr": ("merci", "merci beaucoup", "daccord", "parfait", "très bien", "super"),
    "es": ("gracias", "muchas gracias", "vale", "de acuerdo", "perfecto", "genial"),
    "de": ("danke", "danke schön", "vielen dank", "alles klar", "gut", "super"),
    "ko": ("감사합니다", "고맙습니다", "감사해요", "네", "알겠습니다", "알겠어요"),
    "ja": ("ありがとう", "ありがとうございます", "はい", "わかりました", "了解です"),
    "ru": ("спасибо", "хорошо", "понятно", "ясно"),
}
# Yes to "shall I connect you to an agent?" (and an explicit request for a human anywhere).
HUMAN: dict[str, tuple[str, ...]] = {
    "zh": ("转人工", "转人工客服", "人工", "人工客服", "人工服务", "找人工", "我要人工", "我要找人工", "接人工",
           "帮我转人工", "真人客服", "找客服", "转客服", "转接客服", "转接人工", "请转接人工客服"),
    "en": ("agent", "human", "a human", "human agent", "talk to a human", "speak to a human", "real person",
           "a real person", "an agent", "live agent", "representative", "operator", "talk to an agent", "connect me",
           "transfer me", "human please", "agent please"),
}
YES: dict[str, tuple[str, ...]] = {
    "zh": ("好的", "好", "好啊", "好滴", "可以", "行", "是", "是的", "对", "要", "需要", "麻烦了", "麻烦你了", "嗯",
           "嗯嗯", "转吧", "转"),
    "en": ("yes", "yeah", "yep", "y", "ok", "okay", "sure", "please", "yes please", "go ahead"),
    "fr": ("oui", "oui merci", "oui svp", "daccord"),
    "es": ("sí", "si", "sí por favor", "si por favor", "vale"),
    "de": ("ja", "ja bitte", "gerne"),
    "ko": ("네", "예", "네 부탁해요"),
    "ja": ("はい", "お願いします"),
    "ru": ("да", "да пожалуйста"),
}
# Words that may surround any of the above without changing it: "那算了吧", "ok, never mind then".
FILLER: dict[str, tuple[str, ...]] = {
    "zh": ("吧", "啊", "呀", "哦", "噢", "嗯", "了", "呢", "那", "那就", "就", "还是", "我", "先", "谢谢", "谢了",
           "好的", "好吧", "哈", "啦", "麻烦", "请", "帮我", "给我"),
    "en": ("please", "ok", "okay", "oh", "well", "then", "actually", "i", "ah", "um", "thanks", "thank you",
           "just", "sorry", "its fine", "thats fine", "pls", "plz", "for now"),
}

_DROP = re.compile(r"[\W_]+", re.UNICODE)  # punctuation, spaces and emoji


def normalize(text: str) -> str:
    """NFKC, lower case, apostrophes dropped ("don't" → "dont"), every other non-word run → one space."""
    norm = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("’", "")
    return " ".join(_DROP.sub(" ", norm).split())


@lru_cache(maxsize=16)
def _pattern(kinds: tuple[str, ...]) -> re.Pattern[str]:
    table = {"cancel": CANCEL, "no": NO, "ack": ACK, "human": HUMAN, "yes": YES, "filler": FILLER}
    phrases = {p for kind in kinds for lang in table[kind].values() for p in lang}
    alts = []
    for p in sorted(phrases, key=len, reverse=True):  # longest first: 不用了 before 不用
        body = re.escape(p).replace(r"\ ", " ?")
        alts.append(rf"{body}(?![a-z0-9])" if p.isascii() else body)
    return re.compile(r"\s*(?:" + "|".join(alts) + r")\s*")


def _made_of(text: str, *kinds: str, also: tuple[str, ...] = ()) -> bool:
    """True when `text` is one or more phrases of `kinds`, with nothing but filler (and phrases
    of `also`) around them."""
    norm = normalize(text)
    if not norm:
        return False
    head = _pattern(kinds)
    either = _pattern((*kinds, *also, "filler"))
    pos, seen = 0, False
    while pos < len(norm):
        m = either.match(norm, pos)
        if m is None or m.end() == pos:
            return False
        if head.fullmatch(m.group(0)):
            seen = True
        pos = m.end()
    return seen


def is_cancel(text: str) -> bool:
    """"算了", "不想退了", "never mind", "nah forget it" — not "不用发票可以吗" or "取消订单"."""
    return _made_of(text, "cancel", also=("no",))


def is_no(text: str) -> bool:
    """No to an offer: "不用", "no thanks", "不要了", "nope"."""
    return _made_of(text, "no", "cancel")


GREETINGS = frozenset(("你好", "您好", "hi", "hello", "hey", "在吗", "在不在"))


def is_greeting(text: str) -> bool:
    return normalize(text) in GREETINGS


def is_ack(text: str) -> bool:
    """"谢谢", "好的", "嗯", "ok", "你好", "稍等" — or only emoji/punctuation: nothing to answer."""
    return not normalize(text) or _made_of(text, "ack")


def is_human_request(text: str) -> bool:
    """An explicit "转人工" / "agent please" (not "人工客服很耐心", which is feedback)."""
    return _made_of(text, "human")


def is_yes(text: str) -> bool:
    """Yes to an offer: "好的", "可以", "yes please" — or asking for the human outright."""
    return _made_of(text, "yes", "human")
