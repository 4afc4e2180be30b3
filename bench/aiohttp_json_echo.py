#!/usr/bin/env python3
"""The JSON echo peer of bench/run_app_bench.sh: aiohttp (Debian python3-aiohttp) answering
POST /api/echo with the request's JSON parsed and written again, as examples/web_app does.
Usage: aiohttp_json_echo.py PORT (prints "listening on 127.0.0.1:PORT" when it is)."""
import json
import sys

from aiohttp import web


async def echo(request):
    body = await request.json()
    return web.Response(text=json.dumps(body), content_type="application/json")


async def announce(app):
    print("listening on 127.0.0.1:%s" % sys.argv[1], flush=True)


app = web.Application()
app.router.add_post("/api/echo", echo)
app.on_startup.append(announce)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
