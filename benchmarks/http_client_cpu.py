"""Client CPU per request on a kept-alive plain-HTTP connection: where httpx's time goes.

A stdlib ``ThreadingHTTPServer`` (``disable_nagle_algorithm``) runs in a child process on
127.0.0.1 and answers every POST/GET with a small JSON body; this process sends the same
request ``--requests`` times (from ``--threads`` threads at once, a kept-alive connection
each) and reads its own CPU time (``time.process_time``: the server's CPU is not counted).
Clients:

- ``httpx``: ``httpx.Client`` with its default transport (httpcore);
- ``httpx+plain``: ``httpx.Client`` with :class:`PlainHttpTransport` (http.client) mounted;
- ``lane+plain``: the same client through the fast lane (``sending/fast_lane.py``), as the
  run's ``send`` and the HTTP log store call it;
- ``http.client``: raw ``http.client.HTTPConnection``, the floor.

The difference between the first two is httpcore's share; between the second and the third,
what the fast lane saves of httpx.Client's layers; between ``httpx+plain`` and
``http.client``, httpx.Client's own (request/response models, headers, URL). Medians of
``--runs``; the load is printed.

    python benchmarks/http_client_cpu.py --requests 3000 --runs 3
    python benchmarks/http_client_cpu.py --requests 3000 --runs 3 --threads 16   # as a run sends
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from pytest_tagsmoke.sending import fast_lane
from pytest_tagsmoke.sending.plain_http import PlainHttpTransport

if TYPE_CHECKING:
    from collections.abc import Callable

SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b'{"id": "chatcmpl-1", "choices": [{"message": {"content": "ok"}}]}'

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass

ThreadingHTTPServer.request_queue_size = 64  # 16 threads connect at once
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

PAYLOAD = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "metadata": {"x": "y"}}
HEADERS = {"authorization": "Bearer sk-test", "x-tag-owner": "team-a", "x-correlation-id": "c1"}


def _httpx(
    port: int, count: int, threads: int, transport: httpx.BaseTransport | None, lane: bool = False
) -> float:
    mounts = {"http://": transport} if transport is not None else None
    with httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0), mounts=mounts) as client:
        url = f"http://127.0.0.1:{port}/v1/chat/completions"

        def work(requests: int) -> None:
            for _ in range(requests):
                if lane:
                    fast_lane.request(client, "POST", url, headers=HEADERS, json=PAYLOAD).json()
                else:
                    client.post(url, json=PAYLOAD, headers=HEADERS).json()

        return _threaded(work, count, threads)


def _raw(port: int, count: int, threads: int) -> float:
    headers = {**HEADERS, "content-type": "application/json"}

    def work(requests: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10.0)
        for _ in range(requests):
            body = json.dumps(PAYLOAD).encode()
            connection.request("POST", "/v1/chat/completions", body, headers)
            json.loads(connection.getresponse().read())
        connection.close()

    return _threaded(work, count, threads)


def _threaded(work: Callable[[int], None], count: int, threads: int) -> float:
    """CPU of ``count`` requests made by ``threads`` threads at once, after each thread's
    first request (its connection) outside the clock."""
    warm = threading.Barrier(threads + 1)
    done = threading.Barrier(threads + 1)

    def run() -> None:
        try:
            work(1)
            warm.wait()
            work(count // threads)
            done.wait()
        except BaseException:
            warm.abort()  # the figures would be wrong: stop every thread and the clock
            done.abort()
            raise

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    warm.wait()
    started = time.process_time()
    done.wait()
    spent = time.process_time() - started
    for thread in pool:
        thread.join()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="sending at once (a run: 16)")
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        clients: dict[str, Callable[[], float]] = {
            "httpx": lambda: _httpx(port, args.requests, args.threads, None),
            "httpx+plain": lambda: _httpx(port, args.requests, args.threads, PlainHttpTransport()),
            "lane+plain": lambda: _httpx(
                port, args.requests, args.threads, PlainHttpTransport(), lane=True
            ),
            "http.client": lambda: _raw(port, args.requests, args.threads),
        }
        spent: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(args.runs):
            for name, run in clients.items():
                spent[name].append(run())
    finally:
        server.terminate()
        server.wait()
    print(
        f"load average {os.getloadavg()[0]:.2f}; {args.requests} POSTs per run from "
        f"{args.threads} thread(s), {args.runs} runs"
    )
    for name, values in spent.items():
        per = statistics.median(values) / args.requests * 1000
        print(f"{name:12} {per:.3f} ms CPU per request")


if __name__ == "__main__":
    main()
