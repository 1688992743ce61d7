//! Analytics (spec §3.11): the public `/api/track` beacon, kept out of runtime logs (§8.1),
//! and the breakdowns computed from what it records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use common::*;
use serde_json::{Value, json};

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) \
     AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// Sends the beacon like a browser's `sendBeacon` (no token, text body).
async fn track(sb: &paas_sandbox::Sandbox, ua: &str, body: Value) -> u16 {
    client()
        .post(format!("{}/api/track", sb.url()))
        .header("User-Agent", ua)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn deployed_app(sb: &paas_sandbox::Sandbox) -> String {
    let admin = sb.admin_token().to_string();
    let (_, app) = post(
        sb,
        "/api/deploy",
        &admin,
        json!({"name": "site", "gitRepo": "g"}),
    )
    .await;
    let id = app["id"].as_str().unwrap().to_string();
    wait_built(sb, &admin, &id).await;
    id
}

#[tokio::test]
async fn page_views_never_reach_runtime_logs() {
    let sb = start().await;
    let admin = sb.admin_token().to_string();
    let id = deployed_app(&sb).await;
    for _ in 0..3 {
        let s = track(&sb, CHROME_LINUX, json!({"s": id, "p": "/INJECTED-LINE"})).await;
        assert_eq!(s, 204);
    }
    let (s, v) = get(
        &sb,
        &format!("/api/apps/runtime-logs?id={id}&lines=1000"),
        &admin,
    )
    .await;
    assert_eq!(s, 200);
    let logs = v["logs"].as_array().unwrap();
    assert!(!logs.is_empty(), "the app's own output is still there");
    assert!(
        logs.iter()
            .all(|l| !l.as_str().unwrap().contains("INJECTED")
                && !l.as_str().unwrap().contains("[track]")),
        "{logs:?}"
    );
    let (_, a) = get(&sb, &format!("/api/analytics?id={id}&days=1"), &admin).await;
    assert_eq!(a["totalViews"], 3, "the views are still counted: {a}");
    sb.shutdown().await;
}

#[tokio::test]
async fn breakdowns_visitors_and_days() {
    let sb = start().await;
    let admin = sb.admin_token().to_string();
    let id = deployed_app(&sb).await;
    let views = [
        (
            CHROME_LINUX,
            json!({"s": id, "p": "/x", "r": "https://google.com/search?q=a"}),
        ),
        (
            CHROME_LINUX,
            json!({"s": id, "p": "/x", "r": "https://google.com/"}),
        ),
        (SAFARI_IPHONE, json!({"s": id, "p": "/y", "r": ""})),
        (SAFARI_IPHONE, json!({"s": "no-such-app", "p": "/z"})),
    ];
    for (ua, body) in views {
        assert_eq!(track(&sb, ua, body).await, 204);
    }
    let (s, a) = get(&sb, &format!("/api/analytics?id={id}&days=1"), &admin).await;
    assert_eq!(s, 200);
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "appId",
            "appName",
            "rangeDays",
            "totalViews",
            "totalVisitors",
            "timeseries",
            "topPages",
            "topReferrers",
            "browsers",
            "os",
            "devices"
        ]
    );
    assert_eq!(a["rangeDays"], 1);
    assert_eq!(
        (a["totalViews"].clone(), a["totalVisitors"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(a["timeseries"].as_array().unwrap().len(), 1);
    assert_eq!(a["timeseries"][0]["views"], 3);
    assert_eq!(a["timeseries"][0]["visitors"], 2);
    assert_eq!(
        a["topPages"],
        json!([{"label": "/x", "count": 2}, {"label": "/y", "count": 1}])
    );
    assert_eq!(
        a["topReferrers"],
        json!([{"label": "google.com", "count": 2}])
    );
    assert_eq!(
        a["browsers"],
        json!([{"label": "Chrome", "count": 2}, {"label": "Safari", "count": 1}])
    );
    assert_eq!(
        a["os"],
        json!([{"label": "Linux", "count": 2}, {"label": "iOS", "count": 1}])
    );
    assert_eq!(
        a["devices"],
        json!([{"label": "Desktop", "count": 2}, {"label": "Mobile", "count": 1}])
    );
    for (days, want) in [("7", 7), ("30", 30), ("90", 90), ("", 7), ("5", 7)] {
        let (_, a) = get(&sb, &format!("/api/analytics?id={id}&days={days}"), &admin).await;
        assert_eq!(a["rangeDays"], want, "days={days}");
        let series = a["timeseries"].as_array().unwrap();
        assert_eq!(series.len(), want as usize, "days={days}");
        assert_eq!(series[want as usize - 1]["views"], 3, "today is last");
        assert_eq!(a["totalViews"], 3);
    }
    let (_, o) = get(&sb, "/api/analytics/overview?days=30", &admin).await;
    assert_eq!(
        o,
        json!([{"appId": id, "appName": "site", "views": 3, "visitors": 2}])
    );
    sb.shutdown().await;
}
