//! Demo data for `--seed`: apps running / stopped / failed, a project with two services,
//! a Postgres add-on (with a `users` table) and a Redis add-on, a cron job and a backup.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::handlers::addons::new_addon;
use crate::handlers::backups::capture;
use crate::handlers::deploy::start_deployment;
use crate::model::{App, CronJob, Project};
use crate::state::Inner;
use crate::util::{self, lock};

fn app(inner: &Inner, name: &str, repo: &str, status: &str) -> App {
    let mut db = lock(&inner.db);
    let port = db.alloc_port();
    let a = App {
        id: util::new_id(),
        name: name.into(),
        status: "building".into(),
        git_repo: repo.into(),
        branch: "main".into(),
        port,
        url: format!("http://127.0.0.1:{port}"),
        created_at: util::now(),
        build_method: "nixpacks".into(),
        server_id: "localhost".into(),
        webhook_secret: util::random_hex32(),
        env_vars: Some(BTreeMap::from([("NODE_ENV".into(), "production".into())])),
        ..App::default()
    };
    db.apps.push(a.clone());
    let dep = start_deployment(&mut db, &a, "manual");
    drop(db);
    crate::background::finish_build(inner, &a.id, &dep, std::time::Duration::from_secs(42));
    let mut db = lock(&inner.db);
    if let Some(x) = db.app_mut(&a.id)
        && status != "failed"
    {
        x.status = status.into();
    }
    if status == "stopped" {
        db.runtime_line(&a.id, "Container stopped");
    }
    db.app(&a.id).cloned().unwrap_or(a)
}

pub fn seed(inner: &Arc<Inner>) {
    let web = app(
        inner,
        "web-app",
        "https://github.com/demo/web-app",
        "running",
    );
    app(inner, "worker", "https://github.com/demo/worker", "stopped");
    app(
        inner,
        "broken-api",
        "https://github.com/demo/fail-api",
        "failed",
    );
    let project = Project {
        id: util::new_id(),
        name: "shop".into(),
        description: "Demo shop: storefront and API".into(),
        created_at: util::now(),
        server_id: "localhost".into(),
    };
    lock(&inner.db).projects.push(project.clone());
    for (svc, primary) in [("web", true), ("api", false)] {
        let a = app(
            inner,
            &format!("shop-{svc}"),
            "https://github.com/demo/shop",
            "running",
        );
        let mut db = lock(&inner.db);
        if let Some(x) = db.app_mut(&a.id) {
            x.project_id = project.id.clone();
            x.service_name = svc.into();
            x.build_method = "dockerfile".into();
            x.dockerfile_path = format!("{svc}/Dockerfile");
            x.compose_primary = primary;
        }
    }
    let pg = {
        let mut db = lock(&inner.db);
        let mut pg = new_addon(&db, "postgres", "main-db", "localhost");
        pg.status = "running".into();
        if let Some(x) = db.app_mut(&web.id) {
            let env = x.env_vars.get_or_insert_with(BTreeMap::new);
            let secrets = x.secret_keys.get_or_insert_with(Vec::new);
            for (k, v) in &pg.conn_env {
                env.insert(k.clone(), v.clone());
                secrets.push(k.clone());
            }
        }
        pg.attached_apps.push(web.id.clone());
        let mut redis = new_addon(&db, "redis", "cache", "localhost");
        redis.status = "running".into();
        db.addons.push(pg.clone());
        db.addons.push(redis.clone());
        db.redis.insert(
            redis.id.clone(),
            BTreeMap::from([
                ("session:1".into(), "alice".into()),
                ("session:2".into(), "bob".into()),
                ("visits".into(), "42".into()),
            ]),
        );
        db.cron.push(CronJob {
            id: util::new_id(),
            app_id: web.id.clone(),
            app_name: web.name.clone(),
            schedule: "0 3 * * *".into(),
            command: "npm run cleanup".into(),
            enabled: true,
            last_run: util::ZERO_TIME.into(),
            last_status: String::new(),
            created_at: util::now(),
        });
        pg
    };
    crate::dbexplorer::provision(inner, &pg);
    crate::dbexplorer::with_conn(inner, &pg.id, |c| {
        let _ = c.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
             INSERT INTO users (email, name) VALUES
               ('alice@example.com', 'Alice'), ('bob@example.com', 'Bob'),
               ('carol@example.com', NULL);",
        );
    });
    let b = capture(inner);
    lock(&inner.db).backups.push(b);
}
