"""``desk serve``: the desk in a browser (desk.web.server), one desk process per tab.

    desk serve [--host 127.0.0.1] [--port 8766] [--unix PATH] [--public-url URL]
               [--allowed-origin URL ...] [--trust-proxy-header X-Remote-User]
               [--proxy-secret-file FILE] [--unix-group GROUP] [--allow-plain-http]
               [--tabs-per-person 2] [--tabs 10]

Without ``--trust-proxy-header`` people log in with their desk passphrase; with it, a reverse
proxy that authenticates them passes their name in that header, believed only on loopback (with
the proxy's secret) or a unix socket (opened to the proxy's group). The README's "The desk in a browser" shows nginx in front.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from desk.cli._parser import Commands
from desk.cli._shared import Invocation, ensure_data_dir


def register(commands: Commands) -> None:
    """``serve``."""
    sv = commands.add("serve")
    positive = sv.types.positive
    sv.add_argument("--host", default="127.0.0.1", help=sv.text("host"))
    sv.add_argument("--port", type=positive, default=8766, help=sv.text("port"))
    sv.add_argument("--unix", type=Path, metavar=sv.metavar("file"), help=sv.text("unix"))
    sv.add_argument("--public-url", metavar="URL", help=sv.text("public_url"))
    sv.add_argument(
        "--allowed-origin", action="append", default=[], metavar="URL", help=sv.text("origin")
    )
    sv.add_argument("--trust-proxy-header", metavar="HEADER", help=sv.text("proxy"))
    sv.add_argument(
        "--proxy-secret-file", type=Path, metavar=sv.metavar("file"), help=sv.text("secret")
    )
    sv.add_argument("--unix-group", metavar="GROUP", help=sv.text("group"))
    sv.add_argument("--allow-plain-http", action="store_true", help=sv.text("plain"))
    sv.add_argument("--tabs-per-person", type=positive, default=2, help=sv.text("per_person"))
    sv.add_argument("--tabs", type=positive, default=10, help=sv.text("tabs"))
    sv.set_defaults(run=serve, needs_desk=False)


def serve(run: Invocation, args: argparse.Namespace) -> int:
    """Open the door (desk.staff.gate), then serve until interrupted."""
    from desk.staff.gate import open_gate  # the database: only when the command runs
    from desk.web.server import Options, read_proxy_secret
    from desk.web.server import run as serve_forever

    ensure_data_dir(run.settings)
    options = Options(
        settings=run.settings,
        host=args.host,
        port=args.port,
        unix=args.unix,
        public_url=args.public_url,
        allowed_origins=args.allowed_origin,
        proxy_header=args.trust_proxy_header,
        proxy_secret=read_proxy_secret(args.proxy_secret_file) if args.proxy_secret_file else None,
        unix_group=args.unix_group,
        allow_plain_http=args.allow_plain_http,
        tabs_per_person=args.tabs_per_person,
        tabs=args.tabs,
    )
    serve_forever(options, open_gate(run.settings, run.clock), run.catalog)
    return 0
