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
        "ja": "ご質問を入力してください。",
        "ko": "질문을 입력해 주세요.",
        "es": "Escriba su pregunta, por favor.",
        "fr": "Veuillez écrire votre question.",
        "de": "Bitte schreiben Sie Ihre Frage.",
        "ru": "Пожалуйста, напишите ваш вопрос.",
    },
    # Handoff queue and CSAT (bot/handoff/queue.py, bot/csat/survey.py).
    "queue_position": {
        "zh": "正在为您转接人工客服，您目前排在第 {position} 位，请稍候。",
        "en": "I'm connecting you to a human agent. You are number {position} in the queue; please hold on.",
    },
    "outside_hours": {
        "zh": "人工客服目前不在线（服务时间 {hours}），将于 {time} 回来为您处理。",
        "en": "Our agents are offline right now (hours {hours}); they'll be back at {time} and will pick this up.",
    },
    "agent_joined": {
        "zh": "人工客服 {name} 将为您服务。",
        "en": "{name} from our support team will help you now.",
    },
    "handoff_ticket": {
        "zh": "您的问题已记录为工单 {ticket_id}，不会遗漏。",
        "en": "Your request is recorded as ticket {ticket_id}, so nothing gets lost.",
    },
    # A waiting customer cancelled ("算了"): back with the bot; the ticket stays open (bot/handoff/queue.py).
    "handoff_cancelled": {
        "zh": "好的，已为您取消转人工。还有什么可以帮您？",
        "en": "OK, I've taken you out of the queue for a human agent. Is there anything else I can help with?",
    },
    "left_message": {
        "zh": "留言已收到，工单号 {ticket_id}。客服上线后会尽快回复您。",
        "en": "Thanks, we got your message (ticket {ticket_id}). An agent will get back to you as soon as possible.",
    },
    "rating_prompt": {
        "zh": "请为本次服务打分：回复 1-5（5 = 非常满意，1 = 非常不满意）。",
        "en": "How did we do? Reply with a rating from 1 to 5 (5 = very satisfied, 1 = very dissatisfied).",
    },
    "rating_retry": {
        "zh": "抱歉没看懂，请回复 1 到 5 之间的数字，例如 5。",
        "en": "Sorry, I didn't catch that. Please reply with a number from 1 to 5, for example 5.",
    },
    # An unhappy answer that is no score: apologise, ask once more (no ticket from a survey).
    "rating_retry_sorry": {
        "zh": "很抱歉这次没能让您满意，我们会认真改进。方便的话请回复 1 到 5 为本次服务打分。",
        "en": "I'm sorry we let you down this time; we'll work on it. If you can, please rate this chat "
        "from 1 to 5.",
    },
    "rating_thanks": {
        "zh": "感谢您的评价（{score} 分）！祝您生活愉快。",
        "en": "Thank you for your rating ({score}/5)! Have a great day.",
    },
    "rating_skipped": {
        "zh": "好的，本次不评分。感谢您的咨询，再见！",
        "en": "No problem, we'll skip the rating. Thanks for contacting us!",
    },
    "back_to_bot": {
        "zh": "人工客服已结束接待，智能助手继续为您服务。还有什么可以帮您？",
        "en": "Our agent has handed you back to the assistant. Is there anything else I can help with?",
    },
    # "ok", "merci", 👍 outside a form: nothing to answer, nothing misunderstood (no fallback counted).
    "acknowledged": {
        "zh": "好的。还有什么可以帮您？",
        "en": "All right. Is there anything else I can help with?",
        "ja": "かしこまりました。ほかにご質問はありますか？",
        "ko": "네, 알겠습니다. 더 궁금하신 점이 있으신가요?",
        "es": "De acuerdo. ¿Puedo ayudarle en algo más?",
        "fr": "Très bien. Puis-je vous aider pour autre chose ?",
        "de": "Alles klar. Kann ich sonst noch helfen?",
        "ru": "Хорошо. Могу ли я помочь чем-то ещё?",
    },
    "flow_cancelled": {
        "zh": "好的，已取消。还有什么可以帮您？",
        "en": "OK, cancelled. Is there anything else I can help with?",
    },
    # {type}: the ticket type in the customer's language, with its article in English (bot/tickets/wording.py).
    "ticket_created": {
        "zh": "已为您创建{type}工单 {ticket_id}，我们会尽快处理，处理进展会通知您。",
        "en": "I've opened {type} ticket for you: {ticket_id}. "
        "We'll handle it as soon as possible and keep you posted.",
    },
    "ticket_failed": {
        "zh": "抱歉，暂时无法创建工单，已为您转接人工客服。",
        "en": "Sorry, I couldn't open a ticket just now; I'm passing you to a human agent.",
    },
    "slot_skip_hint": {
        "zh": "（可回复“跳过”）",
        "en": " (you can reply \"skip\")",
    },
    # While a form waits for a slot (bot/actions/flows.py): "谢谢"/"好的", "你好", a question we can't answer.
    "slot_reprompt": {
        "zh": "好的。{prompt}",
        "en": "Sure. {prompt}",
    },
    "slot_reprompt_greeting": {
        "zh": "您好！{prompt}",
        "en": "Hello! {prompt}",
    },
    "slot_question_unknown": {
        "zh": "抱歉，这个问题我暂时回答不了。{prompt}",
        "en": "Sorry, I can't answer that one yet. {prompt}",
    },
    # After dialogue.slot_attempts invalid answers: offer a human instead of handing off unasked.
    "offer_human": {
        "zh": "抱歉，我好像没能理解。需要为您转接人工客服吗？",
        "en": "Sorry, I don't seem to be getting it. Would you like me to connect you to a human agent?",
        "ja": "申し訳ありません、うまく理解できませんでした。オペレーターにおつなぎしましょうか？",
        "ko": "죄송합니다. 제가 잘 이해하지 못한 것 같습니다. 상담원을 연결해 드릴까요?",
        "es": "Lo siento, no consigo entenderle. ¿Quiere que le pase con un agente?",
        "fr": "Désolé, je n'arrive pas à comprendre. Voulez-vous que je vous mette en relation avec un conseiller ?",
        "de": "Entschuldigung, ich verstehe Sie leider nicht. Soll ich Sie mit einem Mitarbeiter verbinden?",
        "ru": "Извините, я вас не понимаю. Соединить вас с оператором?",
    },
    "sorry_offer_human": {
        "zh": "非常抱歉给您带来不好的体验。如果以上方法没能解决问题，我可以马上为您转接人工客服。",
        "en": "I'm sorry for the trouble. If this doesn't solve it, I can connect you to a human agent right away.",
        "ja": "ご不便をおかけして申し訳ありません。解決しない場合は、すぐにオペレーターにおつなぎします。",
        "ko": "불편을 드려 죄송합니다. 해결되지 않으면 바로 상담원을 연결해 드리겠습니다.",
        "es": "Siento las molestias. Si esto no lo resuelve, puedo pasarle con un agente ahora mismo.",
        "fr": "Désolé pour ce désagrément. Si cela ne règle pas le problème, je peux vous passer un "
        "conseiller tout de suite.",
        "de": "Das tut mir leid. Wenn das nicht hilft, verbinde ich Sie sofort mit einem Mitarbeiter.",
        "ru": "Извините за неудобства. Если это не поможет, я сразу соединю вас с оператором.",
    },
    "did_you_mean": {
        "zh": "您是不是想问：",
        "en": "Did you mean:",
        "ja": "もしかして：",
        "ko": "혹시 이 질문인가요?",
        "es": "¿Quiso decir:",
        "fr": "Vouliez-vous dire :",
        "de": "Meinten Sie:",
        "ru": "Возможно, вы имели в виду:",
    },
    "common_questions": {
        "zh": "您可以试试这些常见问题：",
        "en": "These are questions customers often ask:",
        "ja": "よくあるご質問：",
        "ko": "자주 묻는 질문:",
        "es": "Preguntas frecuentes:",
        "fr": "Questions fréquentes :",
        "de": "Häufige Fragen:",
        "ru": "Частые вопросы:",
    },
    # What the "yes, an agent" button sends: a phrase the human_request rule understands.
    "human_request_phrase": {
        "zh": "转人工",
        "en": "agent",
    },
    "offer_human_yes": {
        "zh": "转人工",
        "en": "Yes, an agent",
        "ja": "オペレーター",
        "ko": "상담원 연결",
        "es": "Sí, un agente",
        "fr": "Oui, un conseiller",
        "de": "Ja, Mitarbeiter",
        "ru": "Да, оператора",
    },
    # Buttons under "需要我现在帮您发起退款吗？" (the router reads them as yes / no).
    "offer_yes": {
        "zh": "好的",
        "en": "Yes, please",
    },
    "offer_no": {
        "zh": "不用了",
        "en": "No, thanks",
    },
    "offer_declined": {
        "zh": "好的，有需要随时告诉我。",
        "en": "All right. Just let me know if you need it.",
    },
    "offer_human_no": {
        "zh": "不用了",
        "en": "No, thanks",
        "ja": "大丈夫です",
        "ko": "괜찮아요",
        "es": "No, gracias",
        "fr": "Non merci",
        "de": "Nein, danke",
        "ru": "Нет, спасибо",
    },
    "human_declined": {
        "zh": "好的，不转人工了。还有什么可以帮您？",
        "en": "OK, no agent then. Is there anything else I can help with?",
        "ja": "かしこまりました。ほかにお手伝いできることはありますか？",
        "ko": "알겠습니다. 더 도와드릴 일이 있을까요?",
        "es": "De acuerdo, sin agente. ¿Puedo ayudarle en algo más?",
        "fr": "D'accord, pas de conseiller. Puis-je vous aider pour autre chose ?",
        "de": "In Ordnung, kein Mitarbeiter. Kann ich sonst noch helfen?",
        "ru": "Хорошо, без оператора. Могу ли я помочь чем-то ещё?",
    },
    "slot_invalid": {
        "zh": "这个格式不对，请再试一次。",
        "en": "That doesn't look right; please try again.",
    },
    # Appended to an LLM answer that touches money, refunds, compensation or legal matters.
    "llm_review_notice": {
        "zh": "以上内容涉及退款/金额等重要事项，将由人工客服确认后为您处理。",
        "en": "This involves refunds, payments or other important matters; a member of our team will "
        "confirm it before anything is processed.",
        "ja": "返金・金額などの重要な内容を含むため、担当者が確認のうえ対応いたします。",
        "ko": "환불·금액 등 중요한 사항이 포함되어 있어 상담원이 확인한 후 처리해 드리겠습니다.",
        "es": "Esto afecta a reembolsos, pagos u otros asuntos importantes; una persona de nuestro equipo "
        "lo confirmará antes de tramitarlo.",
        "fr": "Cela concerne un remboursement, un paiement ou un autre point important ; un membre de notre "
        "équipe le confirmera avant tout traitement.",
        "de": "Dies betrifft Erstattungen, Zahlungen oder andere wichtige Punkte; ein Mitarbeiter bestätigt "
        "es, bevor etwas veranlasst wird.",
        "ru": "Это касается возврата, оплаты или других важных вопросов; сотрудник подтвердит это перед "
        "обработкой.",
    },
    # Replaces an LLM reply that would have revealed the bot's instructions.
    "llm_refusal": {
        "zh": "抱歉，我只能帮您解答与我们的产品和服务相关的问题。请问有什么可以帮您？",
        "en": "Sorry, I can only help with questions about our products and services. How can I help you?",
        "ja": "申し訳ありません、当社の製品とサービスに関するご質問にのみお答えできます。ご用件をお聞かせください。",
        "ko": "죄송합니다. 저희 제품과 서비스에 관한 질문만 도와드릴 수 있습니다. 무엇을 도와드릴까요?",
        "es": "Lo siento, solo puedo ayudar con preguntas sobre nuestros productos y servicios. "
        "¿En qué puedo ayudarle?",
        "fr": "Désolé, je ne peux répondre qu'aux questions sur nos produits et services. "
        "Comment puis-je vous aider ?",
        "de": "Entschuldigung, ich kann nur bei Fragen zu unseren Produkten und Diensten helfen. "
        "Wie kann ich helfen?",
        "ru": "Извините, я могу помочь только с вопросами о наших товарах и услугах. Чем могу помочь?",
    },
    # Order questions (bot/actions/orders.py): the looked-up status, "no such order", or guidance
    # when no lookup is possible (no hook configured, or it is down) — an answer, never a ticket.
    "order_status": {
        "zh": "您的订单 {order_id} 当前状态：{status}。",
        "en": "Your order {order_id}: {status}.",
    },
    "order_status_pending": {"zh": "待发货", "en": "not shipped yet"},
    "order_status_processing": {"zh": "处理中", "en": "being prepared"},
    "order_status_shipped": {"zh": "已发货", "en": "shipped"},
    "order_status_in_transit": {"zh": "运输中", "en": "on its way"},
    "order_status_out_for_delivery": {"zh": "派送中", "en": "out for delivery"},
    "order_status_delivered": {"zh": "已签收", "en": "delivered"},
    "order_status_cancelled": {"zh": "已取消", "en": "cancelled"},
    "order_status_returned": {"zh": "已退货", "en": "returned"},
    "order_carrier": {"zh": "物流公司：{carrier}。", "en": "Carrier: {carrier}."},
    "order_tracking": {"zh": "运单号：{tracking_no}。", "en": "Tracking number: {tracking_no}."},
    "order_eta": {"zh": "预计送达：{eta}。", "en": "Estimated delivery: {eta}."},
    "order_not_found": {
        "zh": "没有查到订单 {order_id}，请核对订单号后重新发送。",
        "en": "I couldn't find order {order_id}. Please check the number and send it again.",
    },
    "order_not_found_offer": {
        "zh": "如果订单号没有问题，我可以为您转接人工客服。",
        "en": "If the number is right, I can connect you to a human agent.",
    },
    "order_lookup_unavailable": {
        "zh": "抱歉，我这里暂时查不到订单 {order_id} 的状态。您可以在 App「我的订单」中打开该订单查看物流信息和运单号，"
        "已发货的订单也可以用运单号在快递公司官网查询。",
        "en": "Sorry, I can't look up order {order_id} from here right now. You can see its tracking details "
        "in the app under \"My orders\" (open the order); once it has shipped, you can also track it on the "
        "carrier's website with the tracking number.",
    },
    "order_offer_human": {
        "zh": "如果物流长时间没有更新或有其他问题，我可以为您转接人工客服。",
        "en": "If the tracking hasn't moved for a while or something else is wrong, I can connect you to a "
        "human agent.",
    },
    # An agent went offline mid-chat: the customer is back in the queue (bot/handoff/desk.py).
    "agent_left": {
        "zh": "抱歉，为您服务的人工客服已下线，我们正在为您转接其他客服。",
        "en": "Sorry, the agent who was helping you has gone offline; we're connecting you to another one.",
    },
}


def text(key: str, language: str, **params: object) -> str:
    variants = TEXTS[key]
    template = variants.get(language) or variants.get(language.split("-")[0]) or variants["en"]
    return template.format(**params) if params else template


def join_sentences(language: str, *sentences: str) -> str:
    """Sentences as one message (channels show each reply as its own bubble); Chinese and
    Japanese sentences run on without a space."""
    return ("" if language.split("-")[0] in ("zh", "ja") else " ").join(sentences)
