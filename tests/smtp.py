"""A real SMTP server (aiosmtpd) on loopback for the tests."""

import asyncio
import threading
from collections import Counter
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class _Collector:
    def __init__(self, stall_at: tuple[str, int] | None):
        self.messages = []
        self.stall_at = stall_at
        self.stalled = threading.Event()
        self.released = threading.Event()
        self._seen = Counter()

    async def _stall_if_due(self, stage: str):
        """Hold the reply at the stall point until released, as a hung server does."""
        self._seen[stage] += 1
        if self.stall_at == (stage, self._seen[stage]):
            self.stalled.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._stall_if_due("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Kept before the reply: stalling at DATA means the server has the message and the
        # sender never hears that it was accepted.
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        await self._stall_if_due("DATA")
        return "250 Message accepted for delivery"


class SmtpServer:
    """stall_at=("RCPT", 3): the reply to the third recipient never comes (until `release`);
    ("DATA", 3): the third message is received but the reply that accepts it never comes."""

    def __init__(self, port: int, stall_at: tuple[str, int] | None = None):
        self._collector = _Collector(stall_at)
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=port)

    @property
    def messages(self):
        return self._collector.messages

    @property
    def stalled(self) -> threading.Event:
        """Set once a sender is held at the stall point."""
        return self._collector.stalled

    def release(self):
        self._collector.released.set()

    def start(self):
        self._controller.start()

    def stop(self):
        self.release()
        self._controller.stop()

    def bodies_to(self, recipient: str) -> list[str]:
        return [m.get_content() for m in self.messages if m["To"] == recipient]


def text_of(message) -> str:
    """The plain-text body of a message, with or without attachments."""
    return message.get_body(("plain",)).get_content()
