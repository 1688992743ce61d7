//! Source uploads for `/api/deploy/upload` (spec §3.1): a local directory becomes repeated
//! `files` + `paths` multipart parts, or a `.zip` goes up as one `archive` part; the deploy
//! settings travel as the JSON string field `config`.
//!
//! The directory walk skips what never belongs in a build context (`.git`,
//! `node_modules`, `target`) and symlinks (never followed, so nothing outside the folder
//! leaks), and stops with a clear error at the caps rather than sending half a tree.
//!
//! The folder is chosen by a model, so the walk also guards against the two ways an upload
//! leaks credentials: files that hold secrets (`.env`, private keys, `~/.paas` with our own
//! token, cloud CLI folders) are never sent and are named in the answer, and a folder that is
//! the filesystem root or the home directory (or holds it) is refused outright.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ApiError;

/// Directory names never uploaded.
pub const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target"];

/// Directories of credentials (ours and common CLIs'): skipped and reported.
const SECRET_DIRS: &[&str] = &[
    ".paas", ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker",
];

/// File names (lowercase) that hold credentials: skipped and reported.
const SECRET_FILES: &[&str] = &[
    ".envrc",
    ".netrc",
    ".git-credentials",
    ".pgpass",
    ".pypirc",
    ".npmrc",
    ".htpasswd",
    ".s3cfg",
    ".boto",
    ".bash_history",
    ".zsh_history",
    "credentials.json",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
];

/// Extensions (lowercase) of keys, certificate bundles and Terraform state: skipped and
/// reported.
const SECRET_EXTENSIONS: &[&str] = &["pem", "key", "p12", "pfx", "tfstate"];

/// `.env` variants that are templates without values, committed on purpose: uploaded.
const ENV_TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist"];

/// Whether an entry named `name` must not leave this machine in an upload. Secrets belong
/// in the app's environment variables (`envVars`, `secretKeys`), not in the build context.
/// Names are compared without case: `.ENV` on a case-insensitive disk is `.env`.
fn holds_secrets(name: &str, is_dir: bool) -> bool {
    let name = name.to_ascii_lowercase();
    let name = name.as_str();
    if is_dir {
        return SECRET_DIRS.contains(&name);
    }
    let env_file = name == ".env" || (name.starts_with(".env.") && !ENV_TEMPLATES.contains(&name));
    let extension = name.rsplit_once('.').map(|(_, ext)| ext);
    env_file
        || SECRET_FILES.contains(&name)
        || extension.is_some_and(|ext| SECRET_EXTENSIONS.contains(&ext))
}

/// Paths inside a `.zip` (as stored, `/`-separated) that hold secrets by the same rules as
/// a folder walk: a secret folder anywhere on the path, or a secret file name.
fn secrets_in_archive(bytes: &[u8]) -> Result<Vec<String>, zip::result::ZipError> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut found: Vec<String> = archive
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()?
        .into_iter()
        .filter(|path| {
            let is_dir = path.ends_with('/');
            let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
            parts.iter().enumerate().any(|(i, part)| {
                let last = i + 1 == parts.len();
                holds_secrets(part, is_dir || !last)
            })
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Caps checked before anything is sent. The server's own limits are 10 000 files,
/// 100 MiB per file, 500 MiB per request (spec §1.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_files: usize,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_files: 10_000,
            max_file_bytes: 100 * 1024 * 1024,
            max_total_bytes: 200 * 1024 * 1024,
        }
    }
}

/// Why a source could not be packed. Nothing has been sent when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not a directory or a .zip file")]
    NotASource(PathBuf),
    #[error(
        "{path} holds files with secrets ({}): remove them from the archive, or deploy the \
         folder itself, which leaves them out; give the app its secrets as environment \
         variables instead",
        .secrets.join(", ")
    )]
    ArchiveHoldsSecrets { path: PathBuf, secrets: Vec<String> },
    #[error(
        "refusing to upload {path}: it is {what}, which holds far more than one app (and \
         credentials); pass the app's own folder"
    )]
    TooBroad { path: PathBuf, what: &'static str },
    #[error(
        "{0} contains no files to upload (skipped: .git, node_modules, target, symlinks, secrets)"
    )]
    Empty(PathBuf),
    #[error("{path} is {size} bytes; the per-file limit is {limit} bytes")]
    FileTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "the upload exceeds {limit} {what}; deploy from git instead, or upload a smaller folder"
    )]
    TooBig { what: &'static str, limit: u64 },
}

/// A packed source, ready to be sent (and re-sent once after a 429).
#[derive(Clone, Debug)]
pub struct Upload {
    /// Deploy settings sent as the `config` part.
    pub config: Value,
    pub source: Source,
    skipped_secrets: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum Source {
    /// `(relative path with '/', bytes)`, sorted by path.
    Files(Vec<(String, Vec<u8>)>),
    /// One `.zip` file.
    Archive { file_name: String, bytes: Vec<u8> },
}

impl Upload {
    /// Pack a directory or a `.zip` file.
    pub fn from_path(
        path: &Path,
        config: Value,
        limits: UploadLimits,
    ) -> Result<Self, UploadError> {
        let meta = std::fs::metadata(path).map_err(|source| UploadError::Io {
            path: path.to_owned(),
            source,
        })?;
        if meta.is_dir() {
            refuse_broad(path, dirs::home_dir().as_deref())?;
            return Self::from_directory(path, config, limits);
        }
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if !(meta.is_file() && is_zip) {
            return Err(UploadError::NotASource(path.to_owned()));
        }
        if meta.len() > limits.max_total_bytes {
            return Err(UploadError::TooBig {
                what: "bytes",
                limit: limits.max_total_bytes,
            });
        }
        let bytes = std::fs::read(path).map_err(|source| UploadError::Io {
            path: path.to_owned(),
            source,
        })?;
        if !bytes.starts_with(b"PK") {
            return Err(UploadError::NotASource(path.to_owned()));
        }
        // An archive cannot be filtered without rewriting it: one that holds secrets is
        // refused, with the paths to take out.
        let secrets =
            secrets_in_archive(&bytes).map_err(|_| UploadError::NotASource(path.to_owned()))?;
        if !secrets.is_empty() {
            return Err(UploadError::ArchiveHoldsSecrets {
                path: path.to_owned(),
                secrets,
            });
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "source.zip".to_owned());
        Ok(Upload {
            config,
            source: Source::Archive { file_name, bytes },
            skipped_secrets: Vec::new(),
        })
    }

    /// Pack every regular file under `dir`, skipping [`SKIPPED_DIRS`], symlinks and files
    /// that hold secrets (listed in [`skipped_secrets`](Self::skipped_secrets)).
    pub fn from_directory(
        dir: &Path,
        config: Value,
        limits: UploadLimits,
    ) -> Result<Self, UploadError> {
        let mut files = Vec::new();
        let mut skipped_secrets = Vec::new();
        let mut total = 0u64;
        let mut stack = vec![dir.to_owned()];
        while let Some(current) = stack.pop() {
            let entries = std::fs::read_dir(&current).map_err(|source| UploadError::Io {
                path: current.clone(),
                source,
            })?;
            for entry in entries {
                let entry = entry.map_err(|source| UploadError::Io {
                    path: current.clone(),
                    source,
                })?;
                let path = entry.path();
                let kind = entry.file_type().map_err(|source| UploadError::Io {
                    path: path.clone(),
                    source,
                })?;
                if kind.is_symlink() {
                    continue;
                }
                let name = entry.file_name();
                if holds_secrets(&name.to_string_lossy(), kind.is_dir()) {
                    skipped_secrets.push(relative_slash_path(dir, &path));
                    continue;
                }
                if kind.is_dir() {
                    if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                        stack.push(path);
                    }
                    continue;
                }
                if !kind.is_file() {
                    continue;
                }
                let size = entry
                    .metadata()
                    .map_err(|source| UploadError::Io {
                        path: path.clone(),
                        source,
                    })?
                    .len();
                if size > limits.max_file_bytes {
                    return Err(UploadError::FileTooLarge {
                        path,
                        size,
                        limit: limits.max_file_bytes,
                    });
                }
                total += size;
                if total > limits.max_total_bytes {
                    return Err(UploadError::TooBig {
                        what: "bytes",
                        limit: limits.max_total_bytes,
                    });
                }
                if files.len() >= limits.max_files {
                    return Err(UploadError::TooBig {
                        what: "files",
                        limit: limits.max_files as u64,
                    });
                }
                let relative = relative_slash_path(dir, &path);
                let bytes = std::fs::read(&path).map_err(|source| UploadError::Io {
                    path: path.clone(),
                    source,
                })?;
                files.push((relative, bytes));
            }
        }
        if files.is_empty() {
            return Err(UploadError::Empty(dir.to_owned()));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        skipped_secrets.sort();
        Ok(Upload {
            config,
            source: Source::Files(files),
            skipped_secrets,
        })
    }

    /// Relative paths (with '/') of files and folders left out because they hold secrets.
    pub fn skipped_secrets(&self) -> &[String] {
        &self.skipped_secrets
    }

    /// Number of files (1 for an archive).
    pub fn file_count(&self) -> usize {
        match &self.source {
            Source::Files(files) => files.len(),
            Source::Archive { .. } => 1,
        }
    }

    /// Bytes of source content.
    pub fn total_bytes(&self) -> u64 {
        match &self.source {
            Source::Files(files) => files.iter().map(|(_, b)| b.len() as u64).sum(),
            Source::Archive { bytes, .. } => bytes.len() as u64,
        }
    }

    /// The multipart body (built fresh for each attempt).
    pub(crate) fn form(&self) -> Result<reqwest::multipart::Form, ApiError> {
        use reqwest::multipart::{Form, Part};
        let config = serde_json::to_string(&self.config)
            .map_err(|e| ApiError::Invalid(format!("could not encode the deploy config: {e}")))?;
        let mut form = Form::new().text("config", config);
        match &self.source {
            Source::Files(files) => {
                for (path, bytes) in files {
                    let name = path.rsplit('/').next().unwrap_or(path).to_owned();
                    form = form
                        .part("files", Part::bytes(bytes.clone()).file_name(name))
                        .text("paths", path.clone());
                }
            }
            Source::Archive { file_name, bytes } => {
                form = form.part(
                    "archive",
                    Part::bytes(bytes.clone()).file_name(file_name.clone()),
                );
            }
        }
        Ok(form)
    }
}

/// Refuse the filesystem root, the home directory and any folder that holds it: a model
/// asked to "deploy this" must not ship a whole home or system to the PaaS.
fn refuse_broad(dir: &Path, home: Option<&Path>) -> Result<(), UploadError> {
    let canonical = dunce::canonicalize(dir).map_err(|source| UploadError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let what = if canonical.parent().is_none() {
        Some("the filesystem root")
    } else if let Some(home) = home.and_then(|h| dunce::canonicalize(h).ok()) {
        if home == canonical {
            Some("your home directory")
        } else if home.starts_with(&canonical) {
            Some("a folder that holds your home directory")
        } else {
            None
        }
    } else {
        None
    };
    match what {
        Some(what) => Err(UploadError::TooBroad {
            path: dir.to_owned(),
            what,
        }),
        None => Ok(()),
    }
}

fn relative_slash_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_walk_skips_build_junk_and_keeps_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("node_modules/x")).unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::write(root.join("package.json"), "{}").unwrap();
        std::fs::write(root.join("src/deep/a.js"), "a").unwrap();
        std::fs::write(root.join(".git/HEAD"), "x").unwrap();
        std::fs::write(root.join("node_modules/x/i.js"), "x").unwrap();
        std::fs::write(root.join("target/out"), "x").unwrap();
        let up = Upload::from_path(root, Value::Null, UploadLimits::default()).unwrap();
        let Source::Files(files) = &up.source else {
            panic!("expected files")
        };
        let names: Vec<_> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["package.json", "src/deep/a.js"]);
        assert_eq!(up.total_bytes(), 3);
    }

    #[test]
    fn secrets_are_never_packed_and_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in [".paas", ".ssh", "src", "config"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in [
            ".env",
            ".ENV.local",
            ".envrc",
            ".npmrc",
            "terraform.tfstate",
            ".env.production",
            ".env.example",
            ".paas/config.json",
            ".ssh/id_ed25519",
            "id_rsa",
            "config/tls.KEY",
            "config/app.toml",
            "src/main.js",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let up = Upload::from_path(root, Value::Null, UploadLimits::default()).unwrap();
        let Source::Files(files) = &up.source else {
            panic!("expected files")
        };
        let names: Vec<_> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, [".env.example", "config/app.toml", "src/main.js"]);
        assert_eq!(
            up.skipped_secrets(),
            [
                ".ENV.local",
                ".env",
                ".env.production",
                ".envrc",
                ".npmrc",
                ".paas",
                ".ssh",
                "config/tls.KEY",
                "id_rsa",
                "terraform.tfstate"
            ]
        );
    }

    fn zip_of(paths: &[&str]) -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for path in paths {
                zip.start_file(*path, options).unwrap();
                zip.write_all(b"x").unwrap();
            }
            zip.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn an_archive_with_secrets_is_refused_with_their_paths() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("app.zip");
        std::fs::write(
            &zip,
            zip_of(&[
                "src/main.js",
                ".env.example",
                "app/.Env",
                "deploy/.ssh/config",
            ]),
        )
        .unwrap();
        match Upload::from_path(&zip, Value::Null, UploadLimits::default()) {
            Err(UploadError::ArchiveHoldsSecrets { secrets, .. }) => {
                assert_eq!(secrets, ["app/.Env", "deploy/.ssh/config"])
            }
            other => panic!("archive with secrets accepted: {other:?}"),
        }
        std::fs::write(&zip, zip_of(&["src/main.js", ".env.example"])).unwrap();
        let clean = Upload::from_path(&zip, Value::Null, UploadLimits::default()).unwrap();
        assert_eq!(clean.file_count(), 1);
    }

    #[test]
    fn the_root_and_the_home_directory_are_refused() {
        let home = tempfile::tempdir().unwrap();
        let project = home.path().join("code/app");
        std::fs::create_dir_all(&project).unwrap();
        let refused = |dir: &Path| {
            matches!(
                refuse_broad(dir, Some(home.path())),
                Err(UploadError::TooBroad { .. })
            )
        };
        assert!(refused(Path::new("/")));
        assert!(refused(home.path()));
        assert!(refused(&home.path().join("code/..")));
        assert!(refused(home.path().parent().unwrap()));
        assert!(refuse_broad(&project, Some(home.path())).is_ok());
        assert!(refuse_broad(&home.path().join("code"), Some(home.path())).is_ok());
    }

    #[test]
    fn caps_are_enforced_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big"), vec![0u8; 100]).unwrap();
        let limits = UploadLimits {
            max_files: 10,
            max_file_bytes: 50,
            max_total_bytes: 1000,
        };
        assert!(matches!(
            Upload::from_path(dir.path(), Value::Null, limits),
            Err(UploadError::FileTooLarge { .. })
        ));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            Upload::from_path(empty.path(), Value::Null, UploadLimits::default()),
            Err(UploadError::Empty(_))
        ));
    }
}
