"""A real SMTP server (aiosmtpd) for Guichet's tests.

Listens on 127.0.0.1 on a port chosen by the kernel, prints that port on the
first line of stdout, and appends every accepted message to a JSON-lines file.
--fail-first N answers "451" to the first N messages (a transient failure);
--reject answers "550" to every message (a permanent failure).
"""
import argparse
import asyncio
import json
import socket
import sys

from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, out, fail_first, reject):
        self.out = open(out, "a", encoding="utf-8")
        self.fail_left = fail_first
        self.reject = reject

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            return "550 5.1.1 Mailbox unavailable"
        if self.fail_left > 0:
            self.fail_left -= 1
            return "451 4.3.0 Try again later"
        content = envelope.content.decode("utf-8", errors="replace")
        self.out.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": content}) + "\n")
        self.out.flush()
        return "250 OK"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject", action="store_true")
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    handler = Recorder(args.out, args.fail_first, args.reject)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="recorder.test"), sock=sock)
    print(sock.getsockname()[1], flush=True)
    # Stop when the test process closes our stdin (or dies).
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
