//! Summaries and the Markdown report.

use std::fmt::Write as _;

/// One measured quantity with its samples, an optional target (smaller is better) and an
/// optional reference measured in the same run.
pub struct Metric {
    pub name: String,
    pub unit: &'static str,
    pub samples: Vec<f64>,
    pub target: Option<f64>,
    pub reference: Option<(String, Vec<f64>)>,
}

pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

pub fn stats(samples: &[f64]) -> Option<Stats> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    Some(Stats {
        median,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
    })
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

pub fn markdown(metrics: &[Metric], header: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n\n{header}\n");
    let _ = writeln!(
        out,
        "| metric | unit | runs | median | min | max | target | median / target | reference | reference median | median / reference |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
    for m in metrics {
        let Some(s) = stats(&m.samples) else { continue };
        let (target, vs_target) = match m.target {
            Some(t) => (num(t), format!("{:.2}", s.median / t)),
            None => ("-".into(), "-".into()),
        };
        let (ref_name, ref_median, vs_ref) = match &m.reference {
            Some((name, samples)) => match stats(samples) {
                Some(r) if r.median > 0.0 => (
                    name.clone(),
                    num(r.median),
                    format!("{:.2}", s.median / r.median),
                ),
                Some(r) => (name.clone(), num(r.median), "-".into()),
                None => (name.clone(), "-".into(), "-".into()),
            },
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.name,
            m.unit,
            m.samples.len(),
            num(s.median),
            num(s.min),
            num(s.max),
            target,
            vs_target,
            ref_name,
            ref_median,
            vs_ref
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(stats(&[3.0, 1.0, 2.0]).map(|s| s.median), Some(2.0));
        assert_eq!(stats(&[4.0, 1.0, 2.0, 3.0]).map(|s| s.median), Some(2.5));
        assert!(stats(&[]).is_none());
    }
}
