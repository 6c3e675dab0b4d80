"""A scripted HTTP server on a loopback address, for the web-import tests and benchmark: nothing leaves
the machine. Each path answers with its replies in turn (the last one repeats), and every request is
recorded with its headers and the time it arrived.

    with LocalServer() as server:
        server.route("/a", Reply(body=b"<html>...", headers={"Content-Type": "text/html"}))
        server.url("/a")  # http://127.0.0.1:PORT/a
"""

import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line: a slow server
    length: bool = True  # send Content-Length; without it the body ends when the connection closes

    def content(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client closing its idle keep-alive connections, or giving up on a reply: no traceback on stderr.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0):
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Request] = []
        self.latency = latency  # added to every reply: a server that takes its time
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                with server.lock:
                    server.requests.append(Request(self.path, dict(self.headers.items()), time.monotonic()))
                    replies = server.routes.get(self.path.split("#")[0])
                    reply = (replies.pop(0) if len(replies) > 1 else replies[0]) if replies else Reply(404, b"no")
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                etag = reply.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:  # a conditional GET of what it has
                    reply = Reply(304, b"", {"ETag": etag})
                try:
                    time.sleep(server.latency + reply.delay)
                    body = reply.content()
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.length:
                        self.send_header("Content-Length", str(len(body)))
                    else:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a timeout, a size limit): expected
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _QuietServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
