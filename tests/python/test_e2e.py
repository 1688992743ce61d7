"""End-to-end check of `paas mcp` with the official MCP Python SDK client.

Run by tests/it/mcp_python.rs as a plain script (no pytest):

    PAAS_BIN=target/debug/paas python tests/python/test_e2e.py

It starts `paas mcp --sandbox` (an in-memory Better-PaaS with demo data inside the server
process) over stdio and over Streamable HTTP, and checks what an assistant would rely on:
the scope-filtered tool list, annotations, structured output, tool errors the model can read.
Exits non-zero with a message on the first failure.
"""

import asyncio
import os
import re
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

try:  # The SDK renamed the HTTP client over time; accept both spellings.
    from mcp.client.streamable_http import streamable_http_client as _http_client
except ImportError:  # pragma: no cover
    from mcp.client.streamable_http import streamablehttp_client as _http_client

PAAS = os.environ.get("PAAS_BIN", "paas")
HTTP_TOKEN = "py-e2e-bearer-token-0123456789"
OBSERVER_WRITES = {"deploy", "delete_app", "stop_app", "create_project"}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def text_of(result):
    return "\n".join(getattr(c, "text", "") for c in result.content)


async def exercise(session, label):
    info = await session.initialize()
    check(info.serverInfo.name == "paas-mcp", f"{label}: server name {info.serverInfo.name!r}")
    tools = (await session.list_tools()).tools
    names = {t.name for t in tools}
    check("list_apps" in names and "paas_status" in names, f"{label}: tools {sorted(names)}")
    check(not (names & OBSERVER_WRITES), f"{label}: observer sees writes {names & OBSERVER_WRITES}")
    for tool in tools:
        a = tool.annotations
        check(a is not None, f"{label}: {tool.name} has no annotations")
        check(a.readOnlyHint is not None and a.destructiveHint is not None,
              f"{label}: {tool.name} hints not explicit")
        check(a.openWorldHint is False, f"{label}: {tool.name} openWorldHint {a.openWorldHint}")
        check(bool(tool.title or a.title), f"{label}: {tool.name} has no title")

    apps = await session.call_tool("list_apps", {})
    check(not apps.isError, f"{label}: list_apps failed: {text_of(apps)}")
    check(text_of(apps).strip() != "", f"{label}: list_apps has no text")

    status = await session.call_tool("paas_status", {})
    check(not status.isError, f"{label}: paas_status failed: {text_of(status)}")

    bad = await session.call_tool("get_app", {"app": "definitely-not-an-app"})
    check(bad.isError, f"{label}: unknown app was not an error")
    check("not found" in text_of(bad).lower(), f"{label}: unclear error {text_of(bad)!r}")
    print(f"ok: {label} ({len(names)} tools)")


async def over_stdio():
    params = StdioServerParameters(
        command=PAAS,
        args=["mcp", "--sandbox", "--profile", "observer"],
        env={"HOME": os.environ.get("HOME", "/tmp"), "PATH": os.environ.get("PATH", "")},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await exercise(session, "stdio")


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
        headers = {"Authorization": f"Bearer {HTTP_TOKEN}"}
        try:
            import httpx
            client_cm = _http_client(url, http_client=httpx.AsyncClient(headers=headers))
        except TypeError:
            client_cm = _http_client(url, headers=headers)
        async with client_cm as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await exercise(session, "http")
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
