"""Serving the web view with uvicorn: read-only engine, listening socket, the Host headers answered."""

import ipaddress
import socket
from collections.abc import Callable

from sqlalchemy import Engine

from catalogue.errors import CatalogueError

LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"]  # as Host headers write them


def allowed_hosts(host: str) -> list[str] | None:
    """The Host headers a server on HOST answers: its own address and the loopback names, so that a page elsewhere
    cannot make a visitor's browser read the catalogue under another name; on every interface (0.0.0.0, ::) any."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:  # a name, such as this machine's
        return list(dict.fromkeys([host.lower(), *LOOPBACK_NAMES]))
    if address.is_unspecified:
        return None
    return list(dict.fromkeys([f"[{address}]" if address.version == 6 else str(address), *LOOPBACK_NAMES]))


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, opened here so that a port in use or a wrong address is one clear line."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        raise CatalogueError(f"serve: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(engine: Engine, host: str = "127.0.0.1", port: int = 8000, role: str | None = None,
          announce: Callable[[str], None] = print) -> None:
    """Serve the catalogue ENGINE opens, read-only, until interrupted (Ctrl-C)."""
    import uvicorn

    from catalogue.serve.app import create_app
    from catalogue.sql import read_only_engine

    reader = read_only_engine(engine, role)
    engine.dispose()  # the owner's connections are not needed any more
    sock = listen(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    announce(f"serving the catalogue read-only at http://{shown}:{bound_port}/ (Ctrl-C stops)")
    config = uvicorn.Config(create_app(reader, allowed_hosts(host)), log_level="warning", access_log=False,
                            server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down on Ctrl-C, then raises it again: stopping is what was asked
        announce("stopped")
    finally:
        sock.close()
        reader.dispose()
