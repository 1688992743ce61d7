//! Secrets never reach the model by accident. The PaaS masks what it knows is secret
//! (`secretKeys`, add-on passwords, the webhook secret in app objects) but reveals webhook
//! secrets and notification URLs on some routes (spec §9.4), and users often put tokens in
//! ordinary env vars. Everything a tool returns passes through here first.

use serde_json::{Map, Value};

/// What a masked value is replaced with (the PaaS's own convention).
pub const MASK: &str = "***";

/// Env var names whose values are treated as secret even when not in `secretKeys`.
const SECRET_HINTS: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "KEY",
    "DSN",
    "CREDENTIAL",
    "PRIVATE",
    "AUTH",
    "DATABASE_URL",
    "REDIS_URL",
];

/// Does this env var name look like it holds a secret?
pub fn looks_secret(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SECRET_HINTS.iter().any(|hint| upper.contains(hint))
}

/// Mask every value of an env map whose key is listed in `secret_keys` or looks secret.
pub fn env_map(env: &Value, secret_keys: &[String]) -> Value {
    let Value::Object(map) = env else {
        return env.clone();
    };
    let masked: Map<String, Value> = map
        .iter()
        .map(|(k, v)| {
            let secret = secret_keys.iter().any(|s| s == k) || looks_secret(k);
            let v = if secret && v.as_str().is_some_and(|s| !s.is_empty()) {
                Value::from(MASK)
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(masked)
}

/// Mask the secret parts of an App object in place: env values, git token, webhook secret.
pub fn app(app: &mut Value) {
    let secret_keys: Vec<String> = app
        .get("secretKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(obj) = app.as_object_mut() {
        if let Some(env) = obj.get("envVars") {
            let masked = env_map(env, &secret_keys);
            obj.insert("envVars".to_owned(), masked);
        }
        for key in ["gitToken", "webhookSecret"] {
            if obj
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
            {
                obj.insert(key.to_owned(), Value::from(MASK));
            }
        }
    }
}

/// A URL reduced to its scheme and host (`https://hooks.slack.com/***`), so the model can
/// tell which service is configured without seeing the secret path.
pub fn url(raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    match url::Url::parse(raw) {
        Ok(u) => format!(
            "{}://{}/{MASK}",
            u.scheme(),
            u.host_str().unwrap_or_default()
        ),
        Err(_) => MASK.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_values_masked_by_list_or_name() {
        let env = json!({"PORT": "3000", "API_TOKEN": "abc", "X": "y", "EMPTY_SECRET": ""});
        let masked = env_map(&env, &["X".to_owned()]);
        assert_eq!(
            masked,
            json!({"PORT": "3000", "API_TOKEN": "***", "X": "***", "EMPTY_SECRET": ""})
        );
    }

    #[test]
    fn url_keeps_only_the_host() {
        assert_eq!(
            url("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(url(""), "");
        assert_eq!(url("not a url"), "***");
    }
}
