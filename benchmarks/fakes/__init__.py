"""Local fakes of the platform APIs (WeChat, Telegram) that tests and `bench` run on 127.0.0.1."""
