//! Settings, layered: built-in defaults that need no setup, then `INTEGRITAS_*` environment
//! variables. A wrong value stops start-up with one line naming the variable and the problem.
//! A value that works but would waste a print run (a public URL only this machine can open) is
//! allowed, with a warning: a first try on a laptop needs no setup.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::domain::network::TrustProxy;

/// One configuration problem, printed as a single line at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn bad(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// Submissions allowed per client address per link within a window; `None` disables the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per: Duration,
}

impl RateLimit {
    /// Parses `30/hour`, `5/minute`, `100/day`, `10/second` or `off`.
    pub fn parse(s: &str) -> Result<Option<RateLimit>, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (count, unit) = s
            .split_once('/')
            .ok_or_else(|| format!("expected e.g. `30/hour` or `off`, got `{s}`"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("`{count}` is not a positive whole number"))?;
        if count == 0 {
            return Err("the count must be at least 1 (use `off` to disable)".into());
        }
        let per = match unit.trim() {
            "second" | "sec" | "s" => Duration::from_secs(1),
            "minute" | "min" | "m" => Duration::from_secs(60),
            "hour" | "h" => Duration::from_secs(3600),
            "day" | "d" => Duration::from_secs(86_400),
            other => return Err(format!("unknown period `{other}` (second, minute, hour, day)")),
        };
        Ok(Some(RateLimit { count, per }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    /// Base of survey links and QR codes, without a trailing slash.
    pub public_url: String,
    /// Form files that override built-in forms by id or add new ones; `None`: the built-in
    /// forms alone.
    pub forms_dir: Option<PathBuf>,
    /// Whether `INTEGRITAS_PUBLIC_URL` was given (otherwise `public_url` is made from `listen`).
    pub public_url_set: bool,
    pub rate_limit: Option<RateLimit>,
    /// How many (link or batch, client group) budgets the limiter holds at most.
    pub rate_limit_keys: usize,
    /// Which hops before the service are trusted proxies (`X-Forwarded-For`).
    pub trust_proxy: TrustProxy,
    /// Completions faster than this are flagged as speeders.
    pub min_seconds: u64,
    pub bootstrap_admin_key: Option<String>,
    /// The master secret the signing keys are derived from (`INTEGRITAS_SECRET`); `None`: the
    /// key file's.
    pub secret: Option<String>,
    /// Where the master secret is kept when not configured (`INTEGRITAS_KEY_FILE`); `None`: next to
    /// the SQLite file, or `integritas.key` in the working directory ([`Settings::key_file`]).
    pub key_file: Option<PathBuf>,
    pub log_format: LogFormat,
    /// How often the ledger sealer runs.
    pub seal_interval: Duration,
    /// How often the background job re-checks every campaign's ledger in full.
    pub verify_interval: Duration,
    /// How long a rendered form may be submitted.
    pub render_token_ttl: Duration,
    /// Database pool size.
    pub max_connections: u32,
    /// The anonymity group size k (`INTEGRITAS_MIN_GROUP`): the ledger seals answers in groups of
    /// k and results move in steps of k while a campaign is open (docs/anonymity.md).
    pub min_group: u64,
    /// How long a request body may take to arrive in full.
    pub body_timeout: Duration,
}

/// The default anonymity group size, and the smallest one the service accepts.
pub const DEFAULT_MIN_GROUP: u64 = 10;
pub const SMALLEST_MIN_GROUP: u64 = 5;

/// Submissions per link (or token batch) per client address (IPv6: per /64) by default. High
/// enough for a busy desk whose citizens share one address (an office's Wi-Fi, a carrier's NAT):
/// one submission every 30 seconds, all day, with a burst of 120; low enough that one machine
/// cannot fill a link unnoticed (docs/operations.md explains the choice).
pub const DEFAULT_RATE_LIMIT: &str = "120/hour";

/// Budgets the rate limiter holds at most when `INTEGRITAS_RATE_LIMIT_KEYS` is not set (a few MB).
pub const DEFAULT_RATE_LIMIT_KEYS: u64 = 100_000;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://integritas.db?mode=rwc";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings from any lookup (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let val = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = val("INTEGRITAS_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(bad(
                "INTEGRITAS_DATABASE_URL",
                format!(
                    "unsupported database URL `{}` (use sqlite://FILE?mode=rwc or postgres://…)",
                    redact_url(&database_url)
                ),
            ));
        }
        let listen_raw = val("INTEGRITAS_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_raw
            .parse()
            .map_err(|_| bad("INTEGRITAS_LISTEN", format!("`{listen_raw}` is not an address like 127.0.0.1:8080")))?;
        let public_url_set = val("INTEGRITAS_PUBLIC_URL").is_some();
        let public_url = match val("INTEGRITAS_PUBLIC_URL") {
            Some(u) => {
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(bad("INTEGRITAS_PUBLIC_URL", format!("`{u}` must start with http:// or https://")));
                }
                if url::Url::parse(&u).ok().and_then(|p| p.host().map(|h| h.to_owned())).is_none() {
                    return Err(bad("INTEGRITAS_PUBLIC_URL", format!("`{u}` is not a URL with a host name")));
                }
                u.trim_end_matches('/').to_owned()
            }
            None => format!("http://{listen}"),
        };
        let forms_dir = val("INTEGRITAS_FORMS_DIR").map(PathBuf::from);
        let rate_limit = RateLimit::parse(&val("INTEGRITAS_RATE_LIMIT").unwrap_or_else(|| DEFAULT_RATE_LIMIT.into()))
            .map_err(|m| bad("INTEGRITAS_RATE_LIMIT", m))?;
        let rate_limit_keys = parse_num(&val, "INTEGRITAS_RATE_LIMIT_KEYS", DEFAULT_RATE_LIMIT_KEYS)?.clamp(1, 10_000_000) as usize;
        let trust_proxy =
            TrustProxy::parse(&val("INTEGRITAS_TRUST_PROXY").unwrap_or_default()).map_err(|m| bad("INTEGRITAS_TRUST_PROXY", m))?;
        let min_seconds = parse_num(&val, "INTEGRITAS_MIN_SECONDS", 20)?;
        let bootstrap_admin_key = val("INTEGRITAS_BOOTSTRAP_ADMIN_KEY");
        if let Some(k) = &bootstrap_admin_key {
            check_strong("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", k)?;
        }
        let secret = val("INTEGRITAS_SECRET");
        if let Some(k) = &secret {
            check_strong("INTEGRITAS_SECRET", k)?;
        }
        let key_file = val("INTEGRITAS_KEY_FILE").map(PathBuf::from);
        let log_format = match val("INTEGRITAS_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(bad("INTEGRITAS_LOG_FORMAT", format!("`{other}` is not text or json"))),
        };
        let seal_interval = Duration::from_secs(parse_num(&val, "INTEGRITAS_SEAL_SECONDS", 10)?.max(1));
        let verify_interval = Duration::from_secs(parse_num(&val, "INTEGRITAS_VERIFY_HOURS", 24)?.clamp(1, 24 * 365) * 3600);
        let render_token_ttl = Duration::from_secs(parse_num(&val, "INTEGRITAS_RENDER_TTL_SECONDS", 7200)?.max(60));
        let max_connections = parse_num(&val, "INTEGRITAS_DB_POOL", 16)?.clamp(1, 1000) as u32;
        let min_group = parse_num(&val, "INTEGRITAS_MIN_GROUP", DEFAULT_MIN_GROUP)?;
        if min_group < SMALLEST_MIN_GROUP {
            return Err(bad(
                "INTEGRITAS_MIN_GROUP",
                format!(
                    "{min_group} is below {SMALLEST_MIN_GROUP}: with fewer than {SMALLEST_MIN_GROUP} answers in a group a unit could tell one respondent's answers apart (default {DEFAULT_MIN_GROUP})"
                ),
            ));
        }
        let body_timeout = Duration::from_secs(parse_num(&val, "INTEGRITAS_BODY_TIMEOUT_SECONDS", 30)?.clamp(1, 3600));
        Ok(Settings {
            database_url,
            listen,
            public_url,
            public_url_set,
            forms_dir,
            rate_limit,
            rate_limit_keys,
            trust_proxy,
            min_seconds,
            bootstrap_admin_key,
            secret,
            key_file,
            log_format,
            seal_interval,
            verify_interval,
            render_token_ttl,
            max_connections,
            min_group,
            body_timeout,
        })
    }

    /// Checks that need the file system; run at start-up, not at parse time.
    pub fn check_paths(&self) -> Result<(), ConfigError> {
        if let Some(dir) = &self.forms_dir
            && !dir.is_dir()
        {
            return Err(bad(
                "INTEGRITAS_FORMS_DIR",
                format!(
                    "`{}` is not a folder (it must hold survey form files; leave the variable unset to use the built-in forms)",
                    dir.display()
                ),
            ));
        }
        Ok(())
    }

    /// The key file holding the master secret when `INTEGRITAS_SECRET` is not set: the configured
    /// one, else `integritas.key` beside the SQLite database file, else in the working directory.
    /// `None` for an in-memory database, which keeps nothing across restarts (nor does its key).
    pub fn key_file(&self) -> Option<PathBuf> {
        if let Some(f) = &self.key_file {
            return Some(f.clone());
        }
        if !self.is_sqlite() {
            return Some(PathBuf::from(KEY_FILE_NAME));
        }
        let rest = self.database_url.trim_start_matches("sqlite:");
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = path.strip_prefix("file:").unwrap_or(path);
        if path.is_empty() || path == ":memory:" || query.split('&').any(|q| q == "mode=memory") {
            return None;
        }
        let dir = std::path::Path::new(path).parent().unwrap_or(std::path::Path::new(""));
        Some(dir.join(KEY_FILE_NAME))
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// True when posters and slips would print an address citizens' phones cannot reach:
    /// `INTEGRITAS_PUBLIC_URL` unset, or naming this machine.
    pub fn public_url_is_local(&self) -> bool {
        !self.public_url_set || is_local_url(&self.public_url)
    }

    /// The start-up warning for [`Settings::public_url_is_local`], one line.
    pub fn public_url_warning(&self) -> Option<String> {
        if !self.public_url_is_local() {
            return None;
        }
        let why = if self.public_url_set {
            format!("INTEGRITAS_PUBLIC_URL={} names this machine", self.public_url)
        } else {
            format!("INTEGRITAS_PUBLIC_URL is not set, so survey links use {}", self.public_url)
        };
        Some(format!(
            "{why}: posters, QR codes and token slips will print an address citizens' phones cannot reach \
             (the pages say so: do not print them). Set INTEGRITAS_PUBLIC_URL to the address citizens open, \
             e.g. INTEGRITAS_PUBLIC_URL=https://survei.example.go.id"
        ))
    }
}

/// Whether a URL's host is this machine: a loopback address (127.0.0.0/8, ::1), `localhost`
/// (and `*.localhost`), or the unspecified address (0.0.0.0, ::) that a listener binds to.
pub fn is_local_url(url: &str) -> bool {
    use std::net::IpAddr;
    let local_ip = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_unspecified(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.is_unspecified() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_unspecified())
        }
    };
    match url::Url::parse(url).ok().and_then(|u| u.host().map(|h| h.to_owned())) {
        Some(url::Host::Ipv4(ip)) => local_ip(ip.into()),
        Some(url::Host::Ipv6(ip)) => local_ip(ip.into()),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        // Not a URL with a host: nothing a phone could open either.
        None => true,
    }
}

/// The key file's name when `INTEGRITAS_KEY_FILE` is not set.
pub const KEY_FILE_NAME: &str = "integritas.key";

/// Bits a typed secret must be estimated to carry (`domain::credentials::estimated_bits`).
pub const MIN_SECRET_BITS: f64 = 128.0;

/// Refuses a secret that is short or guessable, saying how to make a good one.
fn check_strong(var: &'static str, secret: &str) -> Result<(), ConfigError> {
    let bits = crate::domain::credentials::estimated_bits(secret);
    if secret.chars().count() < 24 || bits < MIN_SECRET_BITS {
        return Err(bad(
            var,
            format!(
                "too weak: about {bits:.0} bits of randomness, at least {MIN_SECRET_BITS:.0} are needed \
                 (at least 24 characters of random text, no repeats or patterns); make one with `openssl rand -base64 32`"
            ),
        ));
    }
    Ok(())
}

fn parse_num(val: &impl Fn(&str) -> Option<String>, var: &'static str, default: u64) -> Result<u64, ConfigError> {
    match val(var) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| bad(var, format!("`{v}` is not a whole number"))),
    }
}

/// Hides a password in a database URL before it is printed.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_setup() {
        let s = from(&[]).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(
            s.rate_limit,
            Some(RateLimit {
                count: 120,
                per: Duration::from_secs(3600)
            })
        );
        assert_eq!(s.trust_proxy, TrustProxy::Hops(0));
        assert_eq!(s.verify_interval, Duration::from_secs(24 * 3600));
        assert_eq!(
            from(&[("INTEGRITAS_VERIFY_HOURS", "0")]).unwrap().verify_interval,
            Duration::from_secs(3600)
        );
        assert!(from(&[("INTEGRITAS_VERIFY_HOURS", "daily")]).is_err());
        assert_eq!(
            from(&[("INTEGRITAS_TRUST_PROXY", "true")]).unwrap().trust_proxy,
            TrustProxy::Hops(1)
        );
        assert_eq!(
            from(&[("INTEGRITAS_TRUST_PROXY", "nope")]).unwrap_err().var,
            "INTEGRITAS_TRUST_PROXY"
        );
        assert_eq!(s.forms_dir, None, "the built-in forms need no folder");
        let s = from(&[("INTEGRITAS_FORMS_DIR", " /etc/integritas/forms ")]).unwrap();
        assert_eq!(s.forms_dir, Some(PathBuf::from("/etc/integritas/forms")));
    }

    #[test]
    fn wrong_values_name_the_variable() {
        let e = from(&[("INTEGRITAS_LISTEN", "nowhere")]).unwrap_err();
        assert_eq!(e.var, "INTEGRITAS_LISTEN");
        let e = from(&[("INTEGRITAS_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.var, "INTEGRITAS_DATABASE_URL");
        let e = from(&[("INTEGRITAS_RATE_LIMIT", "lots")]).unwrap_err();
        assert_eq!(e.var, "INTEGRITAS_RATE_LIMIT");
        assert!(e.to_string().starts_with("INTEGRITAS_RATE_LIMIT: "));
    }

    #[test]
    fn the_anonymity_group_is_ten_by_default_and_never_below_five() {
        assert_eq!(from(&[]).unwrap().min_group, 10);
        assert_eq!(from(&[("INTEGRITAS_MIN_GROUP", "5")]).unwrap().min_group, 5);
        assert_eq!(from(&[("INTEGRITAS_MIN_GROUP", "25")]).unwrap().min_group, 25);
        let e = from(&[("INTEGRITAS_MIN_GROUP", "4")]).unwrap_err();
        assert_eq!(e.var, "INTEGRITAS_MIN_GROUP");
        assert!(e.to_string().contains("4 is below 5"), "{e}");
        assert_eq!(from(&[("INTEGRITAS_MIN_GROUP", "ten")]).unwrap_err().var, "INTEGRITAS_MIN_GROUP");
    }

    #[test]
    fn weak_bootstrap_keys_and_secrets_are_refused_with_a_clear_message() {
        for weak in ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abcabcabcabcabcabcabcabcabcabc", "short"] {
            for var in ["INTEGRITAS_BOOTSTRAP_ADMIN_KEY", "INTEGRITAS_SECRET"] {
                let e = from(&[(var, weak)]).unwrap_err();
                assert_eq!(e.var, var);
                assert!(e.message.contains("too weak") && e.message.contains("openssl rand"), "{e}");
            }
        }
        let good = "Zr8pQ2xW7mK4vN9bT3yH6jF1aL5s";
        assert!(from(&[("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", good), ("INTEGRITAS_SECRET", good)]).is_ok());
    }

    #[test]
    fn the_key_file_sits_beside_the_database() {
        let at = |url: &str| from(&[("INTEGRITAS_DATABASE_URL", url)]).unwrap().key_file();
        assert_eq!(at("sqlite://integritas.db?mode=rwc"), Some(PathBuf::from("integritas.key")));
        assert_eq!(
            at("sqlite:///var/lib/integritas/data.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/integritas/integritas.key"))
        );
        assert_eq!(at("sqlite:file:x?mode=memory&cache=shared"), None);
        assert_eq!(at("postgres://u@h/db"), Some(PathBuf::from("integritas.key")));
        let s = from(&[("INTEGRITAS_KEY_FILE", "/run/secrets/integritas.key")]).unwrap();
        assert_eq!(s.key_file(), Some(PathBuf::from("/run/secrets/integritas.key")));
    }

    #[test]
    fn rate_limit_forms() {
        assert_eq!(RateLimit::parse("off").unwrap(), None);
        assert_eq!(RateLimit::parse("5/minute").unwrap().unwrap().per, Duration::from_secs(60));
        assert!(RateLimit::parse("0/hour").is_err());
        assert!(RateLimit::parse("5/fortnight").is_err());
    }

    #[test]
    fn local_public_urls_are_recognised() {
        for u in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:8080/",
            "https://LOCALHOST.",
            "http://survei.localhost",
            "http://[::1]:8080",
            "http://0.0.0.0:8080",
            "http://[::]:8080",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(is_local_url(u), "{u} is this machine");
        }
        for u in [
            "https://survei.example.go.id",
            "http://10.0.0.5:8080",
            "http://192.168.1.20",
            "http://[2001:db8::1]",
            "http://localhost.example.go.id",
            "http://128.0.0.1",
        ] {
            assert!(!is_local_url(u), "{u} is reachable from elsewhere");
        }
    }

    #[test]
    fn the_public_url_warning() {
        let unset = from(&[]).unwrap();
        assert!(unset.public_url_is_local());
        let w = unset.public_url_warning().unwrap();
        assert!(w.starts_with("INTEGRITAS_PUBLIC_URL is not set"), "{w}");
        assert!(w.contains("http://127.0.0.1:8080") && w.contains("cannot reach"), "{w}");
        assert!(w.contains("INTEGRITAS_PUBLIC_URL=https://"), "says how to set it: {w}");
        // Unset is warned about even with a listen address others could reach.
        assert!(from(&[("INTEGRITAS_LISTEN", "10.0.0.5:8080")]).unwrap().public_url_is_local());
        let local = from(&[("INTEGRITAS_PUBLIC_URL", "http://localhost:8080/")]).unwrap();
        assert_eq!(local.public_url, "http://localhost:8080");
        assert!(
            local
                .public_url_warning()
                .unwrap()
                .contains("INTEGRITAS_PUBLIC_URL=http://localhost:8080 names this machine")
        );
        let public = from(&[("INTEGRITAS_PUBLIC_URL", "https://survei.example.go.id")]).unwrap();
        assert!(!public.public_url_is_local());
        assert_eq!(public.public_url_warning(), None);
        assert_eq!(
            from(&[("INTEGRITAS_PUBLIC_URL", "http://")]).unwrap_err().var,
            "INTEGRITAS_PUBLIC_URL"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
