"""`replykit serve`: the desk as a local web page and JSON API, on Starlette and uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.cli.replyopts import UsageLogOption
from replykit.errors import UserError

if TYPE_CHECKING:
    import socket

TOKEN_ENV = "REPLYKIT_SERVE_TOKEN"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Only this machine can reach the address (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        import ipaddress

        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    import socket  # here: every replykit command imports this module to register `serve`

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        reason = e.strerror or e
        raise UserError(f"cannot listen on {host}:{port} ({reason}): choose another --port or --host") from None
    sock.listen(128)
    return sock


@app.command()
@user_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on; any but loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port to listen on (0: any free port).")
    ] = DEFAULT_PORT,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", metavar="TOKEN", envvar=TOKEN_ENV, show_envvar=True, show_default=False,
            help="Secret every request must carry (X-Replykit-Token header, or ?token= for the page).",
        ),
    ] = None,
    usage_log: UsageLogOption = None,
    kb: KBOption = None,
) -> None:
    """Serve the desk as a web page and JSON API: paste a message, pick an entry, fill values, copy the reply.

    Binds to 127.0.0.1. Exit 2 when another address is asked for without a token, or the port is taken.
    """
    if token is not None and not token.strip():
        raise UserError(f"--token is empty: give a secret, or unset {TOKEN_ENV}")
    if not is_loopback(host) and token is None:
        raise UserError(
            f"--host {host} is reachable from other machines: give --token SECRET (or set {TOKEN_ENV}),"
            " or keep the default 127.0.0.1"
        )
    try:
        import uvicorn

        from replykit.serve.app import create_app
    except ImportError as e:
        package = (e.name or "uvicorn").split(".", 1)[0]
        hint = f"replykit serve needs its extra ({package} is missing): pip install 'replykit[serve]'"
        raise UserError(hint) from None
    from replykit.desk import Desk
    from replykit.usagelog import UsageLog

    loaded = open_kb(kb)
    desk = Desk(loaded, usage_log=UsageLog.from_kb(loaded, usage_log))
    web = create_app(desk, token=token)
    sock = _listen(host, port)
    import threading

    threading.Thread(target=desk.warm_up, name="replykit-warm-up", daemon=True).start()
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"replykit: serving {len(loaded.entries)} entries at http://{shown}:{bound}/ (Ctrl-C to stop)", err=True)
    if token is not None:
        typer.echo("replykit: every request needs the token: open the page as /?token=SECRET", err=True)
    config = uvicorn.Config(web, log_level="warning", access_log=False, lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
