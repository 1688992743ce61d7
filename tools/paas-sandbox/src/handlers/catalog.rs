//! The app catalog (spec §3.3, §6.10): a handful of templates like upstream's.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde_json::json;

use crate::http::{Call, ok};
use crate::state::Inner;
use crate::util;

/// One template's env entry.
pub struct EnvSpec {
    pub key: &'static str,
    pub value: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub secret: bool,
    pub generate: bool,
}

/// A deployable template.
pub struct Template {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub image: &'static str,
    pub port: i64,
    pub volume_path: &'static str,
    pub required_addons: &'static [&'static str],
    pub env: &'static [EnvSpec],
    pub health_path: &'static str,
    pub website: &'static str,
    pub image_size: &'static str,
}

impl Template {
    /// Defaults, with generated secrets filled in.
    pub fn default_env(&self) -> BTreeMap<String, String> {
        self.env
            .iter()
            .map(|e| {
                let v = if e.generate {
                    util::random_hex32()
                } else {
                    e.value.to_string()
                };
                (e.key.to_string(), v)
            })
            .collect()
    }

    pub fn secret_keys(&self) -> Vec<String> {
        self.env
            .iter()
            .filter(|e| e.secret)
            .map(|e| e.key.to_string())
            .collect()
    }

    fn view(&self) -> serde_json::Value {
        let env: Vec<_> = self
            .env
            .iter()
            .map(|e| {
                json!({"key": e.key, "value": e.value, "description": e.description,
                       "required": e.required, "secret": e.secret, "generate": e.generate})
            })
            .collect();
        let mut v = json!({
            "id": self.id, "name": self.name, "description": self.description,
            "category": self.category, "image": self.image, "port": self.port,
            "volumePath": self.volume_path, "env": env, "healthPath": self.health_path,
            "website": self.website, "icon": self.id, "notes": "", "imageSize": self.image_size,
        });
        if !self.required_addons.is_empty() {
            v["requiredAddons"] = json!(
                self.required_addons
                    .iter()
                    .map(|t| json!({ "type": t }))
                    .collect::<Vec<_>>()
            );
        }
        v
    }
}

const fn env(
    key: &'static str,
    value: &'static str,
    description: &'static str,
    secret: bool,
    generate: bool,
) -> EnvSpec {
    EnvSpec {
        key,
        value,
        description,
        required: false,
        secret,
        generate,
    }
}

pub static TEMPLATES: &[Template] = &[
    Template {
        id: "uptime-kuma",
        name: "Uptime Kuma",
        description: "Self-hosted monitoring tool",
        category: "monitoring",
        image: "louislam/uptime-kuma:1",
        port: 3001,
        volume_path: "/app/data",
        required_addons: &[],
        env: &[],
        health_path: "/",
        website: "https://uptime.kuma.pet",
        image_size: "180 MB",
    },
    Template {
        id: "n8n",
        name: "n8n",
        description: "Workflow automation",
        category: "automation",
        image: "n8nio/n8n:latest",
        port: 5678,
        volume_path: "/home/node/.n8n",
        required_addons: &["postgres"],
        env: &[env(
            "N8N_ENCRYPTION_KEY",
            "",
            "Encryption key for credentials",
            true,
            true,
        )],
        health_path: "/healthz",
        website: "https://n8n.io",
        image_size: "500 MB",
    },
    Template {
        id: "plausible",
        name: "Plausible Analytics",
        description: "Privacy-friendly web analytics",
        category: "analytics",
        image: "ghcr.io/plausible/community-edition:v2",
        port: 8000,
        volume_path: "/var/lib/plausible",
        required_addons: &["postgres"],
        env: &[
            env("SECRET_KEY_BASE", "", "Session secret", true, true),
            env(
                "BASE_URL",
                "http://localhost:8000",
                "Public URL",
                false,
                false,
            ),
        ],
        health_path: "/api/health",
        website: "https://plausible.io",
        image_size: "300 MB",
    },
    Template {
        id: "redis-commander",
        name: "Redis Commander",
        description: "Redis web management",
        category: "database",
        image: "rediscommander/redis-commander:latest",
        port: 8081,
        volume_path: "",
        required_addons: &["redis"],
        env: &[],
        health_path: "/",
        website: "https://github.com/joeferner/redis-commander",
        image_size: "100 MB",
    },
];

/// Template by id.
pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

/// `GET /api/catalog`.
pub fn list(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let v: Vec<_> = TEMPLATES.iter().map(Template::view).collect();
    ok(&v)
}
