"""A real SMTP server (aiosmtpd) on loopback for the tests."""
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int):
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=port)

    @property
    def messages(self):
        return self._collector.messages

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def bodies_to(self, recipient: str) -> list[str]:
        return [m.get_content() for m in self.messages if m["To"] == recipient]


def text_of(message) -> str:
    """The plain-text body of a message, with or without attachments."""
    return message.get_body(("plain",)).get_content()
