//! analytics handlers (spec §3).

super::stubs!(app, overview, track, script, github_webhook);
