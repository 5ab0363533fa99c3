//! Prometheus metrics without a metrics library: counters kept in memory per node, rendered in
//! the text exposition format. Audit events are counted where they are recorded, and responses by
//! status class as they leave — two choke points, so no count can be forgotten in a flow.

use std::sync::atomic::{AtomicU64, Ordering};

use twofold_core::event::EventType;

pub struct Metrics {
    events: Vec<AtomicU64>,
    /// Responses by status class: 1xx … 5xx.
    responses: [AtomicU64; 5],
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            events: EventType::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            responses: Default::default(),
        }
    }
}

impl Metrics {
    pub fn count_event(&self, kind: EventType) {
        if let Some(counter) = EventType::ALL
            .iter()
            .position(|k| *k == kind)
            .and_then(|i| self.events.get(i))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn count_response(&self, status: u16) {
        if let Some(counter) = usize::from(status / 100)
            .checked_sub(1)
            .and_then(|i| self.responses.get(i))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP twofold_events_total Audit events recorded by this node, by type.\n");
        out.push_str("# TYPE twofold_events_total counter\n");
        for (kind, counter) in EventType::ALL.iter().zip(&self.events) {
            out.push_str(&format!(
                "twofold_events_total{{type=\"{}\"}} {}\n",
                kind.as_str(),
                counter.load(Ordering::Relaxed)
            ));
        }
        out.push_str("# HELP twofold_http_responses_total HTTP responses sent by this node, by status class.\n");
        out.push_str("# TYPE twofold_http_responses_total counter\n");
        for (i, counter) in self.responses.iter().enumerate() {
            out.push_str(&format!(
                "twofold_http_responses_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                counter.load(Ordering::Relaxed)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_render_in_the_prometheus_text_format() {
        let metrics = Metrics::default();
        metrics.count_event(EventType::UserLocked);
        metrics.count_event(EventType::UserLocked);
        metrics.count_response(201);
        metrics.count_response(503);
        metrics.count_response(99);
        let text = metrics.render();
        assert!(text.contains("twofold_events_total{type=\"user.locked\"} 2\n"));
        assert!(text.contains("twofold_events_total{type=\"session.created\"} 0\n"));
        assert!(text.contains("twofold_http_responses_total{class=\"2xx\"} 1\n"));
        assert!(text.contains("twofold_http_responses_total{class=\"5xx\"} 1\n"));
    }
}
