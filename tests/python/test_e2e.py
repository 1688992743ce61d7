"""End-to-end check of `paas mcp` with the official MCP Python SDK client.

Run by tests/it/mcp_python.rs as a plain script (no pytest):

    PAAS_BIN=target/debug/paas python tests/python/test_e2e.py

It starts `paas mcp --sandbox` (an in-memory Better-PaaS with demo data inside the server
process) over stdio and over Streamable HTTP, with the SDK's default client (`mode="auto"`:
`server/discover`, protocol 2026-07-28) and with the legacy `initialize` handshake, and checks
what an assistant relies on: the scope-filtered tool list, explicit annotations, results, and
tool errors the model can read.
Exits non-zero with a message on the first failure.
"""

import asyncio
import os
import re
import subprocess
import sys

from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

PAAS = os.environ.get("PAAS_BIN", "paas")
HTTP_TOKEN = "py-e2e-bearer-token-0123456789"
OBSERVER_WRITES = {"deploy", "delete_app", "stop_app", "create_project"}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def field(obj, snake, camel):
    """Read a field whichever spelling this SDK version uses."""
    if hasattr(obj, snake):
        return getattr(obj, snake)
    return getattr(obj, camel, None)


def text_of(result):
    return "\n".join(getattr(c, "text", "") for c in result.content)


async def exercise(client, label):
    label = f"{label} ({client.protocol_version})"
    info = client.server_info
    check(info is not None and info.name == "paas-mcp", f"{label}: server info {info!r}")
    tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    check("list_apps" in names and "paas_status" in names, f"{label}: tools {sorted(names)}")
    check(not (names & OBSERVER_WRITES), f"{label}: observer sees writes {names & OBSERVER_WRITES}")
    for tool in tools:
        a = tool.annotations
        check(a is not None, f"{label}: {tool.name} has no annotations")
        check(field(a, "read_only_hint", "readOnlyHint") is not None
              and field(a, "destructive_hint", "destructiveHint") is not None,
              f"{label}: {tool.name} hints not explicit")
        check(field(a, "open_world_hint", "openWorldHint") is False,
              f"{label}: {tool.name} openWorldHint not false")
        check(bool(tool.title or a.title), f"{label}: {tool.name} has no title")

    apps = await client.call_tool("list_apps", {})
    check(not field(apps, "is_error", "isError"), f"{label}: list_apps failed: {text_of(apps)}")
    check(text_of(apps).strip() != "", f"{label}: list_apps has no text")

    status = await client.call_tool("paas_status", {})
    check(not field(status, "is_error", "isError"), f"{label}: paas_status failed: {text_of(status)}")

    bad = await client.call_tool("get_app", {"app": "definitely-not-an-app"})
    check(field(bad, "is_error", "isError"), f"{label}: unknown app was not an error")
    check("not found" in text_of(bad).lower(), f"{label}: unclear error {text_of(bad)!r}")
    print(f"ok: {label} ({len(names)} tools)")


def stdio_params():
    return StdioServerParameters(
        command=PAAS,
        args=["mcp", "--sandbox", "--profile", "observer"],
        env={"HOME": os.environ.get("HOME", "/tmp"), "PATH": os.environ.get("PATH", "")},
    )


async def over_stdio():
    # The SDK's default client ("auto": server/discover, 2026-07-28) and the legacy handshake.
    for mode in ("auto", "legacy"):
        async with Client(stdio_params(), mode=mode) as client:
            await exercise(client, f"stdio {mode}")


async def over_http():
    env = dict(os.environ, PAAS_MCP_HTTP_TOKEN=HTTP_TOKEN)
    proc = subprocess.Popen(
        [PAAS, "mcp", "--sandbox", "--profile", "observer", "--http", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=env, text=True,
    )
    try:
        url = None
        for line in proc.stderr:
            m = re.search(r"Streamable HTTP on (\S+)", line)
            if m:
                url = m.group(1)
                break
        check(url is not None, "paas mcp --http never printed its URL")
        for mode in ("auto", "legacy"):
            http = create_mcp_http_client(headers={"Authorization": f"Bearer {HTTP_TOKEN}"})
            async with http:
                async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
                    await exercise(client, f"http {mode}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


async def main():
    await over_stdio()
    await over_http()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
