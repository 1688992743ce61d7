//! Custom domains of an app (spec §3.1) and Cloudflare DNS records (spec §3.5).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{OrNull, def, json_output, output, post, str_field};
use crate::catalog::resolve::{Kind, Resolved, resolve};
use crate::catalog::tools::{result_schema, schema};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

const WRITE: Guard = Guard::Scopes(&[&[Scope::AppsWrite]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Attach a custom domain to an app (lower-cased; fails if another app uses it). Point the domain's DNS at the PaaS (see create_dns_record).",
        output_schema: Some(result_schema::<DomainsOutput>),
        idempotent: true,
        ..def(
            "add_domain",
            "Add domain",
            Toolset::Domains,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/domains/add",
            schema::<DomainArgs>,
            handler!(add_domain),
        )
    },
    ToolDef {
        description: "Detach a custom domain from an app; the app stops answering on it.",
        output_schema: Some(result_schema::<DomainsOutput>),
        idempotent: true,
        ..def(
            "remove_domain",
            "Remove domain",
            Toolset::Domains,
            Access::Destructive,
            WRITE,
            Method::Post,
            "/api/apps/domains/remove",
            schema::<DomainArgs>,
            handler!(remove_domain),
        )
    },
    ToolDef {
        description: "Create or update a Cloudflare DNS A record pointing a domain at the PaaS server (needs a Cloudflare token saved on the PaaS).",
        output_schema: Some(result_schema::<DnsRecord>),
        idempotent: true,
        ..def(
            "create_dns_record",
            "Create DNS record",
            Toolset::Domains,
            Access::Write,
            Guard::Scopes(&[&[Scope::ServersManage]]),
            Method::Post,
            "/api/cloudflare/dns",
            schema::<DnsArgs>,
            handler!(create_dns_record),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainArgs {
    /// App name or id.
    pub app: String,
    /// Hostname such as "shop.example.com" (no scheme, no path).
    pub domain: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsArgs {
    /// Hostname such as "shop.example.com"; its zone must be in the Cloudflare account.
    pub domain: String,
}

/// Output of add_domain and remove_domain.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct DomainsOutput {
    /// App id.
    id: String,
    /// App name.
    name: String,
    /// The app's custom domains after the change, as stored (lower-cased).
    domains: OrNull<Vec<String>>,
}

/// Output of create_dns_record.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct DnsRecord {
    /// created or updated.
    status: Option<String>,
    /// The domain.
    domain: Option<String>,
    /// IP address the A record points at.
    ip: Option<String>,
    /// Cloudflare zone.
    zone: Option<String>,
    /// Whether Cloudflare proxies it (false).
    proxied: Option<bool>,
}

async fn change(
    ctx: &ToolContext,
    app: Resolved,
    args: DomainArgs,
    path: &str,
    verb: &str,
) -> Result<ToolOutput, ToolError> {
    let updated = post(ctx, path, json!({ "id": app.id, "domain": args.domain }))
        .await
        .map_err(|e| app.miss(e))?;
    let domains = updated.get("domains").cloned().unwrap_or(json!([]));
    // Named as the server stores it (lower-cased, no trailing dot), so the model passes that
    // form on to remove_domain or create_dns_record.
    let domain = args
        .domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let now: Vec<&str> = domains
        .as_array()
        .map(|d| d.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let name = match str_field(&updated, "name") {
        "" => app.describe(),
        name => name.to_owned(),
    };
    Ok(output(
        json!({ "id": app.id, "name": str_field(&updated, "name"), "domains": domains }),
        format!(
            "{verb} {domain} for {name}; domains now: {}",
            if now.is_empty() {
                "none".to_owned()
            } else {
                now.join(", ")
            }
        ),
    ))
}

async fn add_domain(ctx: &ToolContext, args: DomainArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    change(ctx, app, args, "/api/apps/domains/add", "Added").await
}

/// The server answers success for a domain the app does not have (spec §3); when the app
/// was listed, its domains are known, so a miss is said instead of "Removed".
async fn remove_domain(ctx: &ToolContext, args: DomainArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    // The public App view always has `domains` (null when there are none).
    if let Some(domains) = app.listed.get("domains") {
        let wanted = args.domain.trim().trim_end_matches('.');
        let names: Vec<&str> = domains
            .as_array()
            .map(|d| d.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !names.iter().any(|d| d.eq_ignore_ascii_case(wanted)) {
            return Err(ToolError::Reported(format!(
                "{wanted} is not a domain of {}, so nothing was removed; its domains: {}.",
                app.name,
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
    }
    change(ctx, app, args, "/api/apps/domains/remove", "Removed").await
}

async fn create_dns_record(ctx: &ToolContext, args: DnsArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        post(ctx, "/api/cloudflare/dns", json!({ "domain": args.domain })).await?,
    ))
}
