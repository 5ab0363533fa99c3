//! Changing login settings in part or as a whole, without resetting anything by omission.
//!
//! `PATCH` is a JSON merge patch (RFC 7396) on the stored settings: objects merge recursively,
//! anything else (lists included) replaces, and `null` resets a field to its default (RFC 7396
//! removes the member; a removed setting is its default). `PUT` replaces the whole document, so it must name every field: a left-out field is
//! refused rather than silently reset.

use serde_json::{Map, Value};

use super::LoginSettings;
use crate::DomainError;

impl LoginSettings {
    /// These settings with `patch` merged in, read back as a whole (the caller validates).
    pub fn patched(&self, patch: &Value) -> Result<LoginSettings, DomainError> {
        if !patch.is_object() {
            return Err(DomainError::invalid(
                "a merge patch of the login settings must be a JSON object",
            ));
        }
        let as_json = |s: &LoginSettings| {
            serde_json::to_value(s).map_err(|e| DomainError::invalid(format!("settings: {e}")))
        };
        let mut document = as_json(self)?;
        merge_patch(
            &mut document,
            patch,
            Some(&as_json(&LoginSettings::default())?),
        );
        serde_json::from_value(document)
            .map_err(|e| DomainError::invalid(format!("invalid settings: {e}")))
    }

    /// The fields, as dotted paths, that a whole document must have and `body` leaves out.
    /// Optional fields that are absent by default (`mfa.require`) may be left out.
    pub fn missing_from(body: &Value) -> Vec<String> {
        let mut missing = Vec::new();
        if let Ok(Value::Object(defaults)) = serde_json::to_value(LoginSettings::default()) {
            let empty = Map::new();
            let given = body.as_object().unwrap_or(&empty);
            collect_missing(&defaults, given, "", &mut missing);
        }
        missing
    }
}

fn collect_missing(
    expected: &Map<String, Value>,
    given: &Map<String, Value>,
    prefix: &str,
    missing: &mut Vec<String>,
) {
    for (key, default) in expected {
        let path = format!("{prefix}{key}");
        match (default, given.get(key)) {
            (_, None) => missing.push(path),
            (Value::Object(inner), Some(Value::Object(given))) => {
                collect_missing(inner, given, &format!("{path}."), missing)
            }
            _ => {}
        }
    }
}

/// RFC 7396 §2: merges `patch` into `target`. A `null` puts back the member of `defaults` at the
/// same place (not every nested setting can be left out and fill itself in), or removes it
/// where it has none.
pub fn merge_patch(target: &mut Value, patch: &Value, defaults: Option<&Value>) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            let default = defaults.and_then(|d| d.get(key));
            match (value.is_null(), default) {
                (true, Some(default)) => {
                    target.insert(key.clone(), default.clone());
                }
                (true, None) => {
                    target.remove(key);
                }
                (false, _) => merge_patch(
                    target.entry(key.clone()).or_insert(Value::Null),
                    value,
                    default,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Factor;
    use crate::settings::TenantMfaMode;

    #[test]
    fn a_merge_patch_changes_what_it_names_and_nothing_else() {
        let mut current = LoginSettings::default();
        current.lockout.max_attempts = 3;
        current.otp.digits = 8;
        let patched = current
            .patched(&json!({"second_factors": ["totp"], "otp": {"ttl_seconds": 120}}))
            .unwrap();
        assert_eq!(patched.second_factors, vec![Factor::Totp]);
        assert_eq!(patched.otp.ttl_seconds, 120);
        assert_eq!(patched.otp.digits, 8, "a sibling in the same object stays");
        assert_eq!(patched.lockout.max_attempts, 3);
        assert_eq!(current.patched(&json!({})).unwrap(), current);
    }

    #[test]
    fn null_resets_a_field_to_its_default_and_unknown_fields_are_refused() {
        let mut current = LoginSettings::default();
        current.mfa.mode = TenantMfaMode::Always;
        current.mfa.enrolled_factors_required = false;
        current.otp.digits = 8;
        current.lockout.max_attempts = 3;
        current.lockout.duration_seconds = 60;
        let patched = current
            .patched(
                &json!({"mfa": {"mode": null}, "otp": null, "lockout": {"max_attempts": null}}),
            )
            .unwrap();
        assert_eq!(patched.mfa.mode, TenantMfaMode::Off);
        assert_eq!(patched.lockout.max_attempts, 5);
        assert_eq!(patched.lockout.duration_seconds, 60);
        assert!(!patched.mfa.enrolled_factors_required);
        assert_eq!(patched.otp.digits, 6);
        assert!(current.patched(&json!({"colour": "blue"})).is_err());
        assert!(
            current
                .patched(&json!({"mfa": {"mode": "sometimes"}}))
                .is_err()
        );
        assert!(current.patched(&json!(["totp"])).is_err());
    }

    #[test]
    fn a_whole_document_names_every_field() {
        let whole = serde_json::to_value(LoginSettings::default()).unwrap();
        assert!(LoginSettings::missing_from(&whole).is_empty());
        let missing = LoginSettings::missing_from(&json!({"second_factors": ["totp"]}));
        assert!(missing.contains(&"first_factors".to_owned()));
        assert!(missing.contains(&"lockout".to_owned()));
        assert!(!missing.contains(&"second_factors".to_owned()));
        let mut partial_mfa = whole.clone();
        partial_mfa["mfa"] = json!({"mode": "always"});
        assert_eq!(
            LoginSettings::missing_from(&partial_mfa),
            vec!["mfa.enrolled_factors_required".to_owned()]
        );
    }
}
