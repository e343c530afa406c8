//! What a run measured: latencies and statuses (`Tally`), their summary line, and the CPU and
//! memory of the processes involved, read from `/proc` (Linux).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A `kB` field of /proc/<pid>/status (VmHWM, VmRSS), in kB.
pub(crate) fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// utime + stime (clock ticks) of /proc/<pid>/stat.
pub(crate) fn stat_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// (busy, total) jiffies of the first line of /proc/stat.
pub(crate) fn cpu_jiffies(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let total: u64 = v.iter().sum();
    let idle = v.get(3)? + v.get(4).unwrap_or(&0);
    Some((total - idle, total))
}

/// What a run measured.
#[derive(Default)]
pub(crate) struct Tally {
    /// Latency of each acknowledged submission, µs.
    pub(crate) latencies: Vec<u64>,
    /// Responses by status ("201", "303", "422", "error: …").
    pub(crate) statuses: BTreeMap<String, u64>,
}

impl Tally {
    pub(crate) fn merge(&mut self, o: Tally) {
        self.latencies.extend(o.latencies);
        for (k, v) in o.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
    }
    pub(crate) fn acknowledged(&self) -> u64 {
        self.statuses.get("201").copied().unwrap_or(0) + self.statuses.get("303").copied().unwrap_or(0)
    }
    pub(crate) fn errors(&self) -> BTreeMap<&str, u64> {
        self.statuses
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "201" | "303"))
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    }
}

pub(crate) struct Summary {
    pub(crate) label: String,
    pub(crate) acknowledged: u64,
    pub(crate) elapsed: Duration,
    p50: u64,
    p95: u64,
    p99: u64,
    pub(crate) max: u64,
    pub(crate) errors: BTreeMap<String, u64>,
}

impl Summary {
    pub(crate) fn of(label: &str, mut t: Tally, elapsed: Duration) -> Summary {
        t.latencies.sort_unstable();
        Summary {
            label: label.to_owned(),
            acknowledged: t.acknowledged(),
            elapsed,
            p50: percentile(&t.latencies, 50.0),
            p95: percentile(&t.latencies, 95.0),
            p99: percentile(&t.latencies, 99.0),
            max: t.latencies.last().copied().unwrap_or(0),
            errors: t.errors().into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
    pub(crate) fn rate(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    pub(crate) fn print(&self) {
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "{:<9} {:>7} ok in {:>6.2} s = {:>8.1} submissions/s | latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2} | errors {}",
            self.label,
            self.acknowledged,
            self.elapsed.as_secs_f64(),
            self.rate(),
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max),
            if self.errors.is_empty() {
                "none".to_owned()
            } else {
                self.errors.iter().map(|(k, v)| format!("{k}×{v}")).collect::<Vec<_>>().join(", ")
            }
        );
    }
}

/// Peak memory of a process: VmHWM from the kernel, and the largest VmRSS sampled.
pub(crate) struct RssWatch {
    pub(crate) pid: u32,
    pub(crate) max_rss: Arc<AtomicU64>,
    pub(crate) stop: Arc<AtomicBool>,
}

impl RssWatch {
    pub(crate) fn start(pid: u32) -> RssWatch {
        let max_rss = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (max_rss.clone(), stop.clone());
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                if let Some(kb) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .ok()
                    .and_then(|t| status_kb(&t, "VmRSS"))
                {
                    m.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        RssWatch { pid, max_rss, stop }
    }
    pub(crate) fn cpu_ticks(&self) -> Option<u64> {
        stat_ticks(&std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?)
    }
    pub(crate) fn finish(&self) -> (Option<u64>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let hwm = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|t| status_kb(&t, "VmHWM"));
        (hwm, self.max_rss.load(Ordering::Relaxed))
    }
}

pub(crate) fn machine_cpu() -> Option<(u64, u64)> {
    cpu_jiffies(&std::fs::read_to_string("/proc/stat").ok()?)
}

pub(crate) fn own_cpu() -> Option<u64> {
    stat_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// Load-generator CPU and machine CPU over a run.
pub(crate) struct CpuWatch {
    pub(crate) own: Option<u64>,
    pub(crate) machine: Option<(u64, u64)>,
    pub(crate) server: Option<u64>,
}

pub(crate) fn cpu_report(before: &CpuWatch, after: &CpuWatch, elapsed: Duration) {
    let hz = 100.0; // USER_HZ on Linux
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (before.machine, after.machine) {
        let busy = (b.0 - a.0) as f64 / (b.1 - a.1).max(1) as f64;
        parts.push(format!("machine {:.0}% busy", busy * 100.0));
    }
    if let (Some(a), Some(b)) = (before.server, after.server) {
        parts.push(format!("server {:.2} cores", (b - a) as f64 / hz / secs));
    }
    if let (Some(a), Some(b)) = (before.own, after.own) {
        parts.push(format!("load generator {:.2} cores", (b - a) as f64 / hz / secs));
    }
    if !parts.is_empty() {
        println!("          cpu: {}", parts.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 95.0), 95);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn tallies_count_acknowledgements_and_errors() {
        let mut a = Tally::default();
        a.statuses.insert("201".into(), 3);
        a.statuses.insert("422".into(), 1);
        let mut b = Tally::default();
        b.statuses.insert("303".into(), 2);
        b.statuses.insert("422".into(), 1);
        b.latencies = vec![5, 1];
        a.merge(b);
        assert_eq!(a.acknowledged(), 5);
        assert_eq!(a.errors().get("422"), Some(&2));
        let s = Summary::of("x", a, Duration::from_secs(1));
        assert_eq!((s.p50, s.max), (1, 5));
        assert_eq!(s.rate(), 5.0);
    }

    #[test]
    fn proc_files_are_read() {
        let status = "Name:\tintegritas\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n";
        assert_eq!(status_kb(status, "VmHWM"), Some(51234));
        assert_eq!(status_kb(status, "VmRSS"), Some(40000));
        assert_eq!(status_kb(status, "VmSwap"), None);
        let stat = "1234 (integ ritas) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(stat_ticks(stat), Some(300));
        assert_eq!(cpu_jiffies("cpu  10 0 10 70 10 0 0 0 0 0\ncpu0 1"), Some((20, 100)));
    }
}
