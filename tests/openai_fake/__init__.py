"""A local OpenAI-compatible server for tests: the real `openai` SDK talks to it over loopback.

(Not `tests/fakes/`: a package of that name would shadow `tests/fakes.py`, which tests/kb imports.)
"""

from tests.openai_fake.server import Error, FakeOpenAI, Malformed, RecordedRequest, Slow, Text

__all__ = ["Error", "FakeOpenAI", "Malformed", "RecordedRequest", "Slow", "Text"]
