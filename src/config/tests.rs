//! Config and token-store behaviour with an in-memory keychain and a temporary HOME.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn home() -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::from_home(dir.path().to_path_buf());
    (dir, paths)
}

fn record(url: &str) -> ContextRecord {
    ContextRecord {
        url: url.to_owned(),
        profile: Some("deployer".to_owned()),
        name: Some("laptop CLI".to_owned()),
        agent_id: Some("a1".to_owned()),
        ..ContextRecord::default()
    }
}

#[test]
fn file_store_writes_the_go_cli_format() {
    let (_dir, paths) = home();
    let keychain = MemoryStore::new(StoreKind::Keychain);
    let token = Token::new("bpagt_abc");
    save_connection(
        &paths,
        DEFAULT_CONTEXT,
        record("http://x:8080/"),
        &token,
        &FileStore::new(&paths),
        &keychain,
    )
    .unwrap();
    let text = std::fs::read_to_string(&paths.config_file).unwrap();
    assert_eq!(
        text,
        "{\n  \"version\": 1,\n  \"url\": \"http://x:8080\",\n  \"token\": \"bpagt_abc\",\n  \"profile\": \"deployer\",\n  \"name\": \"laptop CLI\",\n  \"agentId\": \"a1\",\n  \"tokenStore\": \"file\"\n}\n"
    );
    // Windows has no mode bits: the file inherits the user profile's private ACL.
    if cfg!(unix) {
        assert_eq!(file::mode_of(&paths.config_file), Some(0o600));
        assert_eq!(file::mode_of(&paths.config_dir), Some(0o700));
    }
    let creds = resolve_with(&paths, None, &keychain).unwrap();
    assert_eq!(creds.token, token);
    assert_eq!(creds.source, TokenSource::File);
    assert_eq!(creds.url, "http://x:8080");
}

#[test]
fn keychain_store_keeps_the_token_out_of_the_file() {
    let (_dir, paths) = home();
    let keychain = MemoryStore::new(StoreKind::Keychain);
    let token = Token::new("bpagt_secret");
    save_connection(
        &paths,
        "staging",
        record("https://s.example"),
        &token,
        &keychain,
        &keychain,
    )
    .unwrap();
    let text = std::fs::read_to_string(&paths.config_file).unwrap();
    assert!(!text.contains("bpagt_secret"), "{text}");
    assert!(text.contains("\"tokenStore\": \"keychain\""), "{text}");
    let creds = resolve_with(&paths, Some("staging"), &keychain).unwrap();
    assert_eq!(creds.source, TokenSource::Keychain);
    assert_eq!(creds.token, token);
    assert_eq!(creds.context, "staging");
    // The default context was never connected, and an unknown one names the known ones.
    let err = resolve_with(&paths, Some("prod"), &keychain).unwrap_err();
    assert!(err.to_string().contains("staging"), "{err}");

    let gone = forget(&paths, "staging", &keychain).unwrap();
    assert!(gone.keychain_entry);
    assert!(
        keychain
            .get("staging", "https://s.example")
            .unwrap()
            .is_none()
    );
    assert!(!paths.config_file.exists(), "blank config is deleted");
}

#[test]
fn unknown_fields_and_other_contexts_survive_a_rewrite() {
    let (_dir, paths) = home();
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(
        &paths.config_file,
        "{\"version\":1,\"url\":\"http://a\",\"token\":\"t1\",\"futureField\":{\"x\":1}}",
    )
    .unwrap();
    let keychain = MemoryStore::new(StoreKind::Keychain);
    save_connection(
        &paths,
        "b",
        record("http://b"),
        &Token::new("t2"),
        &FileStore::new(&paths),
        &keychain,
    )
    .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&paths.config_file).unwrap()).unwrap();
    assert_eq!(doc["futureField"]["x"], 1);
    assert_eq!(doc["token"], "t1");
    assert_eq!(doc["contexts"]["b"]["token"], "t2");
    assert_eq!(
        resolve_with(&paths, None, &keychain).unwrap().token,
        Token::new("t1")
    );
}

#[cfg(unix)]
#[test]
fn loose_permissions_are_repaired() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, paths) = home();
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(
        &paths.config_file,
        "{\"version\":1,\"url\":\"http://a\",\"token\":\"t\"}",
    )
    .unwrap();
    std::fs::set_permissions(&paths.config_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&paths.config_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    ConfigFile::load(&paths).unwrap();
    assert_eq!(file::mode_of(&paths.config_file), Some(0o600));
    assert_eq!(file::mode_of(&paths.config_dir), Some(0o700));
}

#[test]
fn invalid_json_is_an_error_that_says_what_to_do() {
    let (_dir, paths) = home();
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(&paths.config_file, "{not json").unwrap();
    let err = resolve_with(&paths, None, &MemoryStore::new(StoreKind::Keychain)).unwrap_err();
    assert!(err.to_string().contains("paas connect"), "{err}");
}
