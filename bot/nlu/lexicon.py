"""Word lists for language detection of short Latin-script customer messages.

N-gram profiles need a dozen characters to be reliable; customer messages are often 2-4 words.
These frequent function words and customer-service words each add evidence for their languages
(a word may belong to several). Kept small on purpose: they settle short texts, the profiles
decide longer ones.
"""

from __future__ import annotations

# Tokens that carry no language. True = a greeting, which defaults to English at the start of a
# conversation; False = keeps the previous language (default zh).
AMBIGUOUS: dict[str, bool] = {
    "ok": False, "okay": False, "okk": False, "k": False, "kk": False, "oh": False, "ah": False,
    "yes": False, "no": False, "y": False, "n": False, "lol": False, "haha": False, "hah": False,
    "hmm": False, "emm": False, "em": False, "um": False, "uh": False, "en": False, "o": False,
    "thx": False, "tks": False, "pls": False, "plz": False, "qq": False, "vip": False,
    "hi": True, "hello": True, "hey": True, "bye": True, "hallo": False, "ciao": False,
}

_WORDS: dict[str, str] = {
    "en": "i you he she it we they my your me the a an is are was were be to of and or in on at for"
    " with this that not do does don't can can't will please thanks thank hello order refund"
    " delivery payment account price return cancel invoice help want need where when why how what",
    "es": "yo tú mi mis el la los las un una de del y o en con por para que no es está son muy"
    " gracias hola por favor pedido reembolso envío pago cuenta precio devolver cancelar factura"
    " ayuda quiero necesito dónde cuándo cómo qué buenos buenas días tardes noches roto dañado",
    "fr": "je tu il nous vous mon ma mes le la les un une de du des et ou en avec pour que ne pas non est"
    " sont très merci bonjour commande remboursement livraison paiement compte prix retour annuler"
    " facture aide veux besoin où quand pourquoi comment bonsoir salut cassé abîmé",
    "de": "ich du er wir sie mein meine der die das ein eine und oder in mit für nicht ist sind sehr"
    " danke hallo bitte bestellung rückerstattung lieferung zahlung konto preis rückgabe stornieren"
    " rechnung hilfe möchte brauche wo wann warum wie was guten morgen abend tag kaputt defekt",
    "pt": "eu você ele meu minha o a os as um uma de do da e ou em com para que não é está são muito"
    " obrigado obrigada olá pedido reembolso entrega pagamento conta preço devolver cancelar"
    " fatura ajuda quero preciso onde quando por que como bom boa dia tarde noite quebrado defeito",
    "it": "io tu lui mio mia il lo la gli le un una di del e o in con per che non è sono molto grazie"
    " ciao ordine rimborso consegna pagamento conto prezzo reso annullare fattura aiuto voglio"
    " ho bisogno dove quando perché come buongiorno buonasera rotto difettoso",
    "nl": "ik jij mijn de het een en of in met voor niet is zijn heel dank bedankt hallo bestelling"
    " terugbetaling levering betaling wil waar wanneer hoe",
    "vi": "tôi bạn của là và có không được này đơn hàng tiền cảm ơn xin chào giúp muốn ở đâu khi nào",
    "id": "saya anda kamu ini itu dan atau di ke dengan untuk tidak ada sudah belum terima kasih halo"
    " pesanan uang bantuan mau ingin mana kapan bagaimana",
    "tr": "ben sen bir ve ile için değil çok teşekkürler merhaba sipariş iade yardım nerede",
    "pl": "ja ty mój moja i w z na nie jest bardzo dziękuję dzień dobry zamówienie zwrot pomoc gdzie",
}


def _invert(words: dict[str, str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for lang, text in words.items():
        for w in text.split():
            out.setdefault(w, []).append(lang)
    return {w: tuple(langs) for w, langs in out.items()}


LATIN_WORDS: dict[str, tuple[str, ...]] = _invert(_WORDS)
