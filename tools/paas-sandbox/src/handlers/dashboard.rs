//! The `/connect/agent?state=…&port=…` page upstream's Next.js dashboard serves: paste the
//! admin token, pick a profile and a name, Authorize → approve → redirect to the CLI.
//! Plain HTML and a little inline JS; stable element ids for headless-browser tests.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Authorize CLI · Better-PaaS sandbox</title>
<style>
body { font-family: system-ui, sans-serif; background: #111; color: #eee; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; }
input[type=text], input[type=password] { width: 100%; padding: .5rem; margin: .25rem 0 1rem; box-sizing: border-box; }
label.profile { display: block; margin: .4rem 0; }
button { padding: .6rem 1.2rem; font-size: 1rem; }
#error { color: #f77; min-height: 1.5rem; }
</style>
</head>
<body>
<h1>Authorize CLI</h1>
<div id="invalid" hidden>Missing or invalid connect link. Run paas connect from your terminal again.</div>
<form id="form" hidden>
  <label for="admin-token">Admin token</label>
  <input type="password" id="admin-token" autocomplete="off">
  <label for="agent-name">Agent name</label>
  <input type="text" id="agent-name">
  <fieldset>
    <legend>Permission profile</legend>
    <label class="profile"><input type="radio" name="profile" id="profile-observer" value="observer"> Observer: read apps, logs and metrics</label>
    <label class="profile"><input type="radio" name="profile" id="profile-deployer" value="deployer" checked> Deployer (recommended): observer + deploy, start/stop, update</label>
    <label class="profile"><input type="radio" name="profile" id="profile-operator" value="operator"> Operator: deployer + add-ons, servers, cron, backups, notifications</label>
  </fieldset>
  <p id="error"></p>
  <button type="submit" id="authorize">Authorize CLI</button>
</form>
<script>
(function () {
  var params = new URLSearchParams(location.search);
  var state = params.get("state") || "";
  var port = parseInt(params.get("port") || "", 10);
  if (state.length < 16 || !(port >= 1024 && port <= 65535)) {
    document.getElementById("invalid").hidden = false;
    return;
  }
  var form = document.getElementById("form");
  form.hidden = false;
  document.getElementById("agent-name").value = location.hostname + " CLI";
  var errorBox = document.getElementById("error");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errorBox.textContent = "";
    var token = document.getElementById("admin-token").value.trim();
    var name = document.getElementById("agent-name").value.trim();
    var picked = document.querySelector("input[name=profile]:checked");
    var auth = { "Authorization": "Bearer " + token, "Content-Type": "application/json" };
    fetch("/api/auth/verify", { method: "POST", headers: auth })
      .then(function (r) {
        if (r.status === 401) { throw new Error("Invalid admin token."); }
        if (!r.ok) { throw new Error("Could not reach the API. Is the backend running on port 8080?"); }
        return fetch("/api/connect/agent/approve", {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ state: state, port: port, name: name, profile: picked ? picked.value : "deployer" })
        });
      })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.body.error || "Authorization failed."); }
        window.location.href = res.body.callbackUrl;
      })
      .catch(function (e) { errorBox.textContent = e.message; });
  });
})();
</script>
</body>
</html>
"#;

/// The page; validation of `state`/`port` happens client-side like upstream's page.
pub fn page() -> Response {
    let mut r = Response::new(Body::from(PAGE));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}
