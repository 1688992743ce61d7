//! MCP client config writers for `paas setup` (Claude Code, Cursor, Codex, VS Code, Windsurf, Claude Desktop, Gemini CLI).
