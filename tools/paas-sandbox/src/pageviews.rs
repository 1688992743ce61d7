//! Page views from the public `/api/track` beacon and the analytics computed from them
//! (spec §3.11).
//!
//! They are stored apart from runtime logs on purpose: runtime logs are the app's own output
//! (spec §8.1), and an unauthenticated beacon must not be able to write lines into them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::useragent;

/// Views older than the longest range (`days=90`) are never reported, so they are dropped.
const KEEP_DAYS: i64 = 90;
/// A public beacon can be called in a loop; the newest views per app are enough.
const KEEP_PER_APP: usize = 50_000;
/// Longest stored path, referrer or User-Agent, for the same reason.
const FIELD_MAX: usize = 512;
/// Entries in `topPages` and `topReferrers`.
const TOP: usize = 10;

/// One tracked view.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageView {
    /// Capture time, RFC 3339 UTC.
    pub at: String,
    pub path: String,
    pub referrer: String,
    /// Hash of client IP and User-Agent: counts visitors without keeping the IP.
    pub visitor: String,
    pub user_agent: String,
}

impl PageView {
    pub fn new(path: &str, referrer: &str, ip: IpAddr, user_agent: &str) -> PageView {
        let visitor = Sha256::new()
            .chain_update(ip.to_string())
            .chain_update([0])
            .chain_update(user_agent)
            .finalize();
        PageView {
            at: crate::util::now(),
            path: clip(if path.is_empty() { "/" } else { path }),
            referrer: clip(referrer),
            visitor: hex::encode(&visitor[..8]),
            user_agent: clip(user_agent),
        }
    }

    /// `YYYY-MM-DD` (UTC) of the view.
    fn date(&self) -> &str {
        self.at.get(..10).unwrap_or("")
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(FIELD_MAX) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// Appends a view, dropping what no report can show any more (views are in time order).
pub fn record(views: &mut Vec<PageView>, view: PageView, today: NaiveDate) {
    views.push(view);
    let oldest = (today - chrono::Duration::days(KEEP_DAYS - 1)).to_string();
    let stale = views
        .iter()
        .take_while(|v| v.date() < oldest.as_str())
        .count();
    let excess = views.len().saturating_sub(KEEP_PER_APP);
    views.drain(..stale.max(excess));
}

/// A `{label, count}` entry of a breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    pub label: String,
    pub count: usize,
}

/// One day of the timeseries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: String,
    pub views: usize,
    pub visitors: usize,
}

/// The analytics of one app over the last `days` days (today included).
#[derive(Debug)]
pub struct Report {
    pub total_views: usize,
    pub total_visitors: usize,
    pub timeseries: Vec<Day>,
    pub top_pages: Vec<Count>,
    pub top_referrers: Vec<Count>,
    pub browsers: Vec<Count>,
    pub os: Vec<Count>,
    pub devices: Vec<Count>,
}

/// The views of the last `days` days (today included), oldest first.
fn in_range(views: &[PageView], days: i64, today: NaiveDate) -> impl Iterator<Item = &PageView> {
    let first = (today - chrono::Duration::days(days - 1)).to_string();
    let last = today.to_string();
    views
        .iter()
        .filter(move |v| (first.as_str()..=last.as_str()).contains(&v.date()))
}

/// `(views, distinct visitors)` over the range, for the overview.
pub fn totals(views: &[PageView], days: i64, today: NaiveDate) -> (usize, usize) {
    let mut n = 0;
    let mut visitors = BTreeSet::new();
    for v in in_range(views, days, today) {
        n += 1;
        visitors.insert(v.visitor.as_str());
    }
    (n, visitors.len())
}

pub fn report(views: &[PageView], days: i64, today: NaiveDate) -> Report {
    let views: Vec<&PageView> = in_range(views, days, today).collect();
    let mut per_day: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for v in &views {
        let day = per_day.entry(v.date()).or_default();
        day.0 += 1;
        day.1.insert(&v.visitor);
    }
    let timeseries = (0..days)
        .rev()
        .map(|i| {
            let date = (today - chrono::Duration::days(i)).to_string();
            let (views, visitors) = per_day
                .get(date.as_str())
                .map(|(n, u)| (*n, u.len()))
                .unwrap_or((0, 0));
            Day {
                date,
                views,
                visitors,
            }
        })
        .collect();
    let clients: Vec<useragent::Client> = views
        .iter()
        .map(|v| useragent::classify(&v.user_agent))
        .collect();
    let mut top_pages = breakdown(views.iter().map(|v| v.path.as_str()));
    top_pages.truncate(TOP);
    let mut top_referrers = breakdown(views.iter().filter_map(|v| referrer_host(&v.referrer)));
    top_referrers.truncate(TOP);
    Report {
        total_views: views.len(),
        total_visitors: views
            .iter()
            .map(|v| v.visitor.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        timeseries,
        top_pages,
        top_referrers,
        browsers: breakdown(clients.iter().map(|c| c.browser)),
        os: breakdown(clients.iter().map(|c| c.os)),
        devices: breakdown(clients.iter().map(|c| c.device)),
    }
}

/// Counts labels, most frequent first (ties by label, so the order is stable).
fn breakdown<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<Count> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in labels {
        *counts.entry(l).or_default() += 1;
    }
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(label, count)| Count {
            label: label.to_string(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    out
}

/// The referring site: the host of an absolute URL; `None` for a direct visit.
fn referrer_host(r: &str) -> Option<&str> {
    let r = r.trim();
    if r.is_empty() {
        return None;
    }
    let rest = r.split_once("://").map_or(r, |(_, rest)| rest);
    let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(at: &str, path: &str, visitor: &str) -> PageView {
        PageView {
            at: at.into(),
            path: path.into(),
            visitor: visitor.into(),
            ..PageView::default()
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn range_and_distinct_visitors() {
        let views = [
            view("2025-12-31T10:00:00Z", "/old", "c"),
            view("2026-01-01T10:00:00Z", "/a", "a"),
            view("2026-01-06T10:00:00Z", "/", "a"),
            view("2026-01-07T10:00:00Z", "/", "a"),
            view("2026-01-07T11:00:00Z", "/x", "b"),
        ];
        let today = day("2026-01-07");
        assert_eq!(totals(&views, 1, today), (2, 2));
        assert_eq!(totals(&views, 7, today), (4, 2), "12-31 is 8 days back");
        assert_eq!(totals(&views, 30, today), (5, 3));
        let r = report(&views, 7, today);
        assert_eq!((r.total_views, r.total_visitors), (4, 2));
        assert_eq!(r.timeseries.len(), 7);
        assert_eq!(r.timeseries[0].date, "2026-01-01");
        assert_eq!(r.timeseries[0].views, 1);
        assert_eq!(
            r.timeseries[6],
            Day {
                date: "2026-01-07".into(),
                views: 2,
                visitors: 2
            }
        );
        assert_eq!(r.top_pages[0].label, "/");
        assert_eq!(r.top_pages[0].count, 2);
    }

    #[test]
    fn record_drops_what_no_range_shows() {
        let mut views = vec![view("2025-01-01T00:00:00Z", "/", "a")];
        record(
            &mut views,
            view("2026-01-07T00:00:00Z", "/", "a"),
            day("2026-01-07"),
        );
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].date(), "2026-01-07");
    }

    #[test]
    fn referrers_by_host() {
        assert_eq!(
            referrer_host("https://google.com/search?q=x"),
            Some("google.com")
        );
        assert_eq!(referrer_host(""), None);
    }
}
