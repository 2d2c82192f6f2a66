"""Phone calls: `POST /channels/phone/twilio` (TwiML) and `POST /channels/phone/alicloud` (JSON).
turn (the provider-neutral VoiceTurn / SpokenReply), speech (replies made speakable), dialog
(one turn answered: confirm, re-prompt, transfer, hang up), twilio and alicloud (the adapters),
routes (verify, translate, answer), channel (the connector: nothing is pushed into a call)."""
