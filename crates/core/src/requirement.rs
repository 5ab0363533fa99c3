//! Requirement expressions: which factors must have passed before a sign-in counts.
//!
//! JSON forms: a factor id (`"totp"`), `{"oneOf": [...]}`, `{"allOf": [...]}` (in the order given),
//! `{"allOfInAnyOrder": [...]}`, nested freely; a top-level list means all of its items in any order.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::{DomainError, Factor, UnixTime};

const MAX_DEPTH: usize = 8;
const MAX_NODES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Factor(Factor),
    OneOf(Vec<Requirement>),
    AllOf(Vec<Requirement>),
    AllOfInAnyOrder(Vec<Requirement>),
}

/// When each factor last passed in the session, counting only checks still within their lifetime.
pub type PassedChecks = BTreeMap<Factor, UnixTime>;

impl Requirement {
    pub fn parse(value: &Value) -> Result<Requirement, DomainError> {
        let mut nodes = 0;
        parse_node(value, 0, &mut nodes, "requirement")
    }

    pub fn to_json(&self) -> Value {
        match self {
            Requirement::Factor(factor) => Value::String(factor.as_str().to_owned()),
            Requirement::OneOf(items) => keyed("oneOf", items),
            Requirement::AllOf(items) => keyed("allOf", items),
            Requirement::AllOfInAnyOrder(items) => keyed("allOfInAnyOrder", items),
        }
    }

    /// Every factor the expression names, each once, in order of first mention.
    pub fn factors(&self) -> Vec<Factor> {
        let mut found = Vec::new();
        self.collect_factors(&mut found);
        found
    }

    fn collect_factors(&self, found: &mut Vec<Factor>) {
        match self {
            Requirement::Factor(factor) => {
                if !found.contains(factor) {
                    found.push(*factor);
                }
            }
            Requirement::OneOf(items)
            | Requirement::AllOf(items)
            | Requirement::AllOfInAnyOrder(items) => {
                items.iter().for_each(|item| item.collect_factors(found))
            }
        }
    }

    /// The time at which the expression became true, or `None` while it does not hold.
    pub fn satisfied_at(&self, passed: &PassedChecks) -> Option<UnixTime> {
        match self {
            Requirement::Factor(factor) => passed.get(factor).copied(),
            Requirement::OneOf(items) => items.iter().filter_map(|i| i.satisfied_at(passed)).min(),
            Requirement::AllOfInAnyOrder(items) => items
                .iter()
                .map(|item| item.satisfied_at(passed))
                .collect::<Option<Vec<_>>>()
                .map(|times| times.into_iter().max().unwrap_or(UnixTime(0))),
            Requirement::AllOf(items) => {
                let mut last = UnixTime(i64::MIN);
                for item in items {
                    let at = item.satisfied_at(passed)?;
                    if at < last {
                        return None;
                    }
                    last = at;
                }
                Some(last)
            }
        }
    }

    pub fn is_satisfied(&self, passed: &PassedChecks) -> bool {
        self.satisfied_at(passed).is_some()
    }

    /// The factors whose check would make progress now: empty once satisfied.
    pub fn next(&self, passed: &PassedChecks) -> Vec<Factor> {
        let mut found = Vec::new();
        self.collect_next(passed, &mut found);
        found
    }

    fn collect_next(&self, passed: &PassedChecks, found: &mut Vec<Factor>) {
        if self.is_satisfied(passed) {
            return;
        }
        match self {
            Requirement::Factor(factor) => {
                if !found.contains(factor) {
                    found.push(*factor);
                }
            }
            Requirement::OneOf(items) | Requirement::AllOfInAnyOrder(items) => items
                .iter()
                .for_each(|item| item.collect_next(passed, found)),
            Requirement::AllOf(items) => {
                // A factor passed before its predecessor must be passed again, after it.
                match first_open_in_order(items, passed) {
                    Some(Requirement::Factor(factor)) if !found.contains(factor) => {
                        found.push(*factor)
                    }
                    Some(first_open) => first_open.collect_next(passed, found),
                    None => {}
                }
            }
        }
    }
}

/// The first item of an ordered list that does not yet hold after the ones before it.
fn first_open_in_order<'a>(
    items: &'a [Requirement],
    passed: &PassedChecks,
) -> Option<&'a Requirement> {
    let mut last = UnixTime(i64::MIN);
    for item in items {
        match item.satisfied_at(passed) {
            Some(at) if at >= last => last = at,
            _ => return Some(item),
        }
    }
    None
}

fn keyed(key: &str, items: &[Requirement]) -> Value {
    let mut map = Map::new();
    map.insert(
        key.to_owned(),
        Value::Array(items.iter().map(Requirement::to_json).collect()),
    );
    Value::Object(map)
}

fn parse_node(
    value: &Value,
    depth: usize,
    nodes: &mut usize,
    at: &str,
) -> Result<Requirement, DomainError> {
    *nodes += 1;
    if depth > MAX_DEPTH {
        return Err(DomainError::invalid(format!(
            "{at}: nested deeper than {MAX_DEPTH} levels"
        )));
    }
    if *nodes > MAX_NODES {
        return Err(DomainError::invalid(format!(
            "requirement has more than {MAX_NODES} parts"
        )));
    }
    match value {
        Value::String(name) => name
            .parse()
            .map(Requirement::Factor)
            .map_err(|e: DomainError| DomainError::invalid(format!("{at}: {e}"))),
        Value::Array(items) => Ok(Requirement::AllOfInAnyOrder(parse_items(
            items, depth, nodes, at,
        )?)),
        Value::Object(map) => {
            let mut entries = map.iter();
            let (Some((key, inner)), None) = (entries.next(), entries.next()) else {
                return Err(DomainError::invalid(format!(
                    "{at}: an object must have exactly one key: oneOf, allOf or allOfInAnyOrder"
                )));
            };
            let Value::Array(items) = inner else {
                return Err(DomainError::invalid(format!("{at}.{key}: must be a list")));
            };
            let path = format!("{at}.{key}");
            let items = parse_items(items, depth, nodes, &path)?;
            match key.as_str() {
                "oneOf" => Ok(Requirement::OneOf(items)),
                "allOf" => Ok(Requirement::AllOf(items)),
                "allOfInAnyOrder" => Ok(Requirement::AllOfInAnyOrder(items)),
                other => Err(DomainError::invalid(format!(
                    "{at}: unknown operator `{other}` (expected oneOf, allOf or allOfInAnyOrder)"
                ))),
            }
        }
        _ => Err(DomainError::invalid(format!(
            "{at}: expected a factor name, a list or an object, found {}",
            kind_of(value)
        ))),
    }
}

fn parse_items(
    items: &[Value],
    depth: usize,
    nodes: &mut usize,
    at: &str,
) -> Result<Vec<Requirement>, DomainError> {
    if items.is_empty() {
        return Err(DomainError::invalid(format!("{at}: must not be empty")));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_node(item, depth + 1, nodes, &format!("{at}[{i}]")))
        .collect()
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn passed(items: &[(Factor, i64)]) -> PassedChecks {
        items.iter().map(|(f, t)| (*f, UnixTime(*t))).collect()
    }

    #[test]
    fn parses_nested_expressions_and_writes_them_back() {
        let json = json!({"allOf": ["totp", {"oneOf": ["otp-sms", "otp-email"]}]});
        let requirement = Requirement::parse(&json).unwrap();
        assert_eq!(requirement.to_json(), json);
        assert_eq!(
            requirement.factors(),
            vec![Factor::Totp, Factor::OtpSms, Factor::OtpEmail]
        );
    }

    #[test]
    fn malformed_expressions_are_refused_with_where_and_why() {
        let cases = [
            (json!("sms"), "unknown factor"),
            (json!({"oneOf": []}), "must not be empty"),
            (json!({"anyOf": ["totp"]}), "unknown operator `anyOf`"),
            (json!({"oneOf": "totp"}), "must be a list"),
            (
                json!({"oneOf": ["totp"], "allOf": ["totp"]}),
                "exactly one key",
            ),
            (json!(7), "found a number"),
            (
                json!({"oneOf": ["totp", {"allOf": [3]}]}),
                "requirement.oneOf[1].allOf[0]",
            ),
        ];
        for (input, expected) in cases {
            let err = Requirement::parse(&input).unwrap_err().to_string();
            assert!(err.contains(expected), "{input}: {err}");
        }
    }

    #[test]
    fn absurdly_deep_nesting_is_refused() {
        let mut value = json!("totp");
        for _ in 0..20 {
            value = json!({ "oneOf": [value] });
        }
        assert!(Requirement::parse(&value).is_err());
    }

    #[test]
    fn one_of_offers_every_option_and_is_met_by_any() {
        let r = Requirement::parse(&json!({"oneOf": ["totp", "otp-email"]})).unwrap();
        assert_eq!(r.next(&passed(&[])), vec![Factor::Totp, Factor::OtpEmail]);
        assert!(r.is_satisfied(&passed(&[(Factor::OtpEmail, 5)])));
        assert!(r.next(&passed(&[(Factor::OtpEmail, 5)])).is_empty());
    }

    #[test]
    fn all_of_in_any_order_offers_what_is_missing() {
        let r = Requirement::parse(&json!(["totp", "otp-sms"])).unwrap();
        let half = passed(&[(Factor::OtpSms, 1)]);
        assert!(!r.is_satisfied(&half));
        assert_eq!(r.next(&half), vec![Factor::Totp]);
        assert!(r.is_satisfied(&passed(&[(Factor::OtpSms, 9), (Factor::Totp, 3)])));
    }

    #[test]
    fn all_of_demands_the_given_order() {
        let r = Requirement::parse(&json!({"allOf": ["otp-email", "totp"]})).unwrap();
        assert_eq!(r.next(&passed(&[])), vec![Factor::OtpEmail]);
        assert!(r.is_satisfied(&passed(&[(Factor::OtpEmail, 1), (Factor::Totp, 2)])));
        let wrong_order = passed(&[(Factor::Totp, 1), (Factor::OtpEmail, 2)]);
        assert!(!r.is_satisfied(&wrong_order));
        assert_eq!(r.next(&wrong_order), vec![Factor::Totp]);
    }
}
