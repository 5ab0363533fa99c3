//! CPU time spent during a scenario: the server's (`--server-pid`), the bench's own, and the
//! whole machine's, from `/proc` (Linux). Together they say what one request costs the server
//! and how much of the two cores the load generator took from it.

use std::time::Instant;

use anyhow::Context;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`): 100 on every Linux the
/// server is built for.
const TICKS_PER_SECOND: f64 = 100.0;

pub struct Snapshot {
    at: Instant,
    server: Option<u64>,
    own: Option<u64>,
    /// Busy and total ticks of all CPUs together.
    machine: Option<(u64, u64)>,
}

pub fn snapshot(server_pid: Option<u32>) -> Snapshot {
    Snapshot {
        at: Instant::now(),
        server: server_pid.and_then(|pid| process_ticks(&pid.to_string()).ok()),
        own: process_ticks("self").ok(),
        machine: machine_ticks().ok(),
    }
}

/// What happened between two snapshots, per request of `requests`.
pub fn line(name: &str, before: &Snapshot, after: &Snapshot, requests: usize) -> String {
    let seconds = after
        .at
        .duration_since(before.at)
        .as_secs_f64()
        .max(f64::EPSILON);
    let per_request =
        |ticks: u64| ticks as f64 / TICKS_PER_SECOND * 1000.0 / requests.max(1) as f64;
    let cores = |ticks: u64| ticks as f64 / TICKS_PER_SECOND / seconds;
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (before.server, after.server) {
        let used = b.saturating_sub(a);
        parts.push(format!(
            "server {:.3} ms CPU per request ({:.2} cores)",
            per_request(used),
            cores(used)
        ));
    }
    if let (Some(a), Some(b)) = (before.own, after.own) {
        let used = b.saturating_sub(a);
        parts.push(format!(
            "bench {:.3} ms ({:.2} cores)",
            per_request(used),
            cores(used)
        ));
    }
    if let (Some((busy_a, total_a)), Some((busy_b, total_b))) = (before.machine, after.machine) {
        let (busy, total) = (
            busy_b.saturating_sub(busy_a),
            total_b.saturating_sub(total_a),
        );
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        parts.push(format!(
            "machine busy {:.2} of {cpus:.0} cores",
            busy as f64 / total.max(1) as f64 * cpus
        ));
    }
    format!("{name}: {}", parts.join(", "))
}

/// The server's CPU milliseconds per request between two snapshots, with `--server-pid`.
pub fn server_ms(before: &Snapshot, after: &Snapshot, requests: usize) -> Option<f64> {
    let used = after.server?.saturating_sub(before.server?);
    Some(used as f64 / TICKS_PER_SECOND * 1000.0 / requests.max(1) as f64)
}

/// The bench's own CPU milliseconds per request (or per hash, for (c)).
pub fn own_ms(before: &Snapshot, after: &Snapshot, requests: usize) -> Option<f64> {
    let used = after.own?.saturating_sub(before.own?);
    Some(used as f64 / TICKS_PER_SECOND * 1000.0 / requests.max(1) as f64)
}

/// User plus system ticks of a process, all its threads (fields 14 and 15 of `stat`).
fn process_ticks(pid: &str) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    // The command name may hold spaces and parentheses: the fields start after the last `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |n: usize| fields.get(n).and_then(|v| v.parse::<u64>().ok());
    // After the name, field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
    match (field(11), field(12)) {
        (Some(user), Some(system)) => Ok(user + system),
        _ => anyhow::bail!("unexpected /proc/{pid}/stat"),
    }
}

/// Busy and total ticks of the machine's first `cpu` line in `/proc/stat`.
fn machine_ticks() -> anyhow::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("no cpu line in /proc/stat")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    // idle and iowait are the 4th and 5th values.
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Ok((total.saturating_sub(idle), total))
}
