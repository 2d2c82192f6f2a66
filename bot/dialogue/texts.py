"""System messages a customer can see, per language (zh and en at least; others fall back to en)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "fallback": {
        "zh": "抱歉，我暂时无法回答这个问题。您可以换个说法，或输入“转人工”联系人工客服。",
        "en": "Sorry, I don't have an answer to that yet. You can rephrase it, or type \"agent\" to reach a person.",
        "ja": "申し訳ありません、その質問にはまだお答えできません。言い換えるか、「オペレーター」と入力してください。",
        "ko": "죄송합니다. 아직 답변드릴 수 없는 질문입니다. 다시 말씀해 주시거나 '상담원'을 입력해 주세요.",
        "es": "Lo siento, todavía no tengo respuesta para eso. Reformule la pregunta o escriba \"agente\".",
        "fr": "Désolé, je n'ai pas encore de réponse. Reformulez ou tapez « agent » pour parler à quelqu'un.",
        "de": "Entschuldigung, dazu habe ich noch keine Antwort. Formulieren Sie um oder schreiben Sie \"Agent\".",
        "ru": "Извините, у меня пока нет ответа. Переформулируйте вопрос или напишите «оператор».",
    },
    "empty": {
        "zh": "请输入您的问题。",
        "en": "Please type your question.",
    },
    "flow_cancelled": {
        "zh": "好的，已取消。还有什么可以帮您？",
        "en": "OK, cancelled. Is there anything else I can help with?",
    },
    "ticket_created": {
        "zh": "已为您创建{type}工单 {ticket_id}，我们会尽快处理，处理进展会通知您。",
        "en": "I've opened a {type} ticket for you: {ticket_id}. "
        "We'll handle it as soon as possible and keep you posted.",
    },
    "ticket_failed": {
        "zh": "抱歉，暂时无法创建工单，已为您转接人工客服。",
        "en": "Sorry, I couldn't open a ticket just now; I'm passing you to a human agent.",
    },
    "slot_skip_hint": {
        "zh": "（可回复“跳过”）",
        "en": "(you can reply \"skip\")",
    },
    "slot_invalid": {
        "zh": "这个格式不对，请再试一次。",
        "en": "That doesn't look right; please try again.",
    },
}


def text(key: str, language: str, **params: object) -> str:
    variants = TEXTS[key]
    template = variants.get(language) or variants.get(language.split("-")[0]) or variants["en"]
    return template.format(**params) if params else template
