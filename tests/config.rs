//! The configuration file: accounts checked field by field, typos caught, paths resolved, and
//! secrets fetched from commands and the environment without ever being shown.

use std::path::{Path, PathBuf};

use easync::config::{self, ConfigError, Dirs, SecretSource};
use easync::http::Auth;

fn dirs() -> Dirs {
    Dirs {
        config: PathBuf::from("/home/u/.config/easync"),
        state: PathBuf::from("/home/u/.local/state/easync"),
    }
}

fn parse(text: &str) -> Result<Vec<config::Account>, ConfigError> {
    config::parse(text, Path::new("config.toml"), &dirs())
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn a_full_account() {
    let accounts = parse(
        r#"
[account.work]
email = "bob@example.com"
url = "https://mail.example.com/Microsoft-Server-ActiveSync"
password_cmd = ["pass", "show", "work"]
protocol_version = "16.1"
device_id = "easync0001"
anchor_mailbox = "bob@example.com"

[account.work.tls]
ca_file = "/etc/ssl/internal.pem"

[account.home]
email = "me@home.test"
user = "me"
password_env = "HOME_PW"
database = "/data/home.sqlite"
"#,
    )
    .unwrap();
    let work = config::pick(&accounts, Some("work"), Path::new("c")).unwrap();
    assert_eq!(work.user, "bob@example.com", "user defaults to email");
    assert_eq!(
        work.protocol_version,
        Some(easync::proto::ProtocolVersion::V16_1)
    );
    assert_eq!(
        work.device_id.as_ref().map(|d| d.as_str()),
        Some("easync0001")
    );
    assert_eq!(
        work.database,
        PathBuf::from("/home/u/.local/state/easync/work.sqlite")
    );
    assert_eq!(
        work.tls.extra_ca_file,
        Some(PathBuf::from("/etc/ssl/internal.pem"))
    );
    assert!(
        matches!(&work.secret, SecretSource::Command(argv) if argv == &["pass", "show", "work"])
    );
    let home = config::pick(&accounts, Some("home"), Path::new("c")).unwrap();
    assert_eq!(
        (home.user.as_str(), home.database.as_path()),
        ("me", Path::new("/data/home.sqlite"))
    );
}

#[test]
fn typos_and_bad_values_are_named() {
    let msg = error("[account.a]\nemail = \"a@b.c\"\npasword_cmd = [\"x\"]\n");
    assert!(msg.contains("pasword_cmd"), "{msg}");
    assert!(msg.contains("config.toml"), "{msg}");
    let msg = error("[account.a]\nemail = \"a@b.c\"\n");
    assert!(msg.contains("set one of password_cmd"), "{msg}");
    let msg = error("[account.a]\nemail = \"a@b.c\"\npassword_env = \"X\"\npassword = \"y\"\n");
    assert!(msg.contains("only one"), "{msg}");
    let msg = error("[account.a]\nemail = \"nobody\"\npassword_env = \"X\"\n");
    assert!(msg.contains("not an e-mail address"), "{msg}");
    let msg =
        error("[account.a]\nemail = \"a@b.c\"\npassword_env = \"X\"\nprotocol_version = \"2.5\"\n");
    assert!(msg.contains("12.1, 14.0, 14.1, 16.0, 16.1"), "{msg}");
    let msg =
        error("[account.a]\nemail = \"a@b.c\"\npassword_env = \"X\"\nurl = \"mail.example.com\"\n");
    assert!(msg.contains("https://"), "{msg}");
    let msg = error("[account.\"a b\"]\nemail = \"a@b.c\"\npassword_env = \"X\"\n");
    assert!(msg.contains("account names"), "{msg}");
    let msg = error("[account.a]\nemail = \"a@b.c\"\npassword_cmd = []\n");
    assert!(msg.contains("needs a program"), "{msg}");
}

#[test]
fn picking_an_account() {
    let one = parse("[account.only]\nemail = \"a@b.c\"\npassword_env = \"X\"\n").unwrap();
    assert_eq!(
        config::pick(&one, None, Path::new("c")).unwrap().name,
        "only"
    );
    let two = parse("[account.a]\nemail = \"a@b.c\"\npassword_env = \"X\"\n[account.b]\nemail = \"b@b.c\"\npassword_env = \"X\"\n").unwrap();
    let msg = config::pick(&two, None, Path::new("c"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("a, b") && msg.contains("name one"), "{msg}");
    let msg = config::pick(&two, Some("c"), Path::new("c"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no account named \"c\""), "{msg}");
}

#[test]
fn missing_file_says_what_to_do() {
    let err = config::load(Path::new("/nonexistent/easync.toml"), &dirs()).unwrap_err();
    assert!(matches!(err, ConfigError::Missing { .. }));
    assert!(err.to_string().contains("-c FILE"), "{err}");
}

/// Runs a future to completion on a runtime of its own (secrets are fetched asynchronously).
trait Block: std::future::Future + Sized {
    fn block(self) -> Self::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(self)
    }
}

impl<F: std::future::Future> Block for F {}

fn basic_password(auth: Auth) -> String {
    match auth {
        Auth::Basic { password, .. } => password.expose().to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn password_commands() {
    let ok = SecretSource::Command(vec!["printf".into(), "s3cret\\nsecond line\\n".into()]);
    assert_eq!(basic_password(ok.auth("bob").block().unwrap()), "s3cret");
    let failing = SecretSource::Command(vec![
        "sh".into(),
        "-c".into(),
        "echo s3cret; echo locked >&2; exit 3".into(),
    ]);
    let msg = failing.auth("bob").block().unwrap_err().to_string();
    assert!(
        msg.contains("locked") && msg.contains("exit status: 3"),
        "{msg}"
    );
    assert!(
        !msg.contains("s3cret"),
        "stdout never shows in errors: {msg}"
    );
    let silent = SecretSource::Command(vec!["true".into()]);
    assert!(
        silent
            .auth("bob")
            .block()
            .unwrap_err()
            .to_string()
            .contains("printed nothing")
    );
    let missing = SecretSource::Command(vec!["/nonexistent/pass".into()]);
    assert!(
        missing
            .auth("bob")
            .block()
            .unwrap_err()
            .to_string()
            .contains("cannot run")
    );
    // No standard input: a command that would prompt gets EOF instead of hanging.
    let prompt = SecretSource::Command(vec![
        "sh".into(),
        "-c".into(),
        "read x; echo \"got:$x\"".into(),
    ]);
    assert_eq!(basic_password(prompt.auth("bob").block().unwrap()), "got:");
}

#[test]
fn environment_and_literal_passwords_and_tokens() {
    // set_var is unsafe in edition 2024 (other threads may read the environment); the
    // variable is unique to this test.
    let var = "EASYNC_TEST_PASSWORD_7f3a";
    unsafe { std::env::set_var(var, "from-env") };
    assert_eq!(
        basic_password(SecretSource::Env(var.into()).auth("bob").block().unwrap()),
        "from-env"
    );
    let msg = SecretSource::Env("EASYNC_TEST_UNSET_9c1e".into())
        .auth("bob")
        .block()
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("EASYNC_TEST_UNSET_9c1e") && msg.contains("not set"),
        "{msg}"
    );
    let literal = parse("[account.a]\nemail = \"a@b.c\"\npassword = \"lit\"\n").unwrap();
    assert_eq!(
        basic_password(literal[0].secret.auth("a@b.c").block().unwrap()),
        "lit"
    );
    assert!(
        !format!("{:?}", literal[0]).contains("lit\""),
        "Debug hides the secret"
    );
    let token = SecretSource::TokenCommand(vec!["echo".into(), "tok-1".into()]);
    match token.auth("bob").block().unwrap() {
        Auth::Bearer(source) => assert_eq!(source.token().block().unwrap().expose(), "tok-1"),
        other => panic!("{other:?}"),
    }
}

const BASE: &str = "[account.a]\nemail = \"a@example.test\"\npassword_env = \"X\"\n";

#[test]
fn sync_preferences() {
    use easync::config::BodyPolicy;
    use easync::proto::classes::ItemClass;
    use easync::proto::sync::FilterType;
    let a = &parse(BASE).unwrap()[0];
    assert_eq!(a.sync, config::SyncPrefs::default());
    assert!(a.sync.wants("Junk", Some("Email")) && !a.sync.wants("Junk", None));

    let text = format!(
        "{BASE}[account.a.sync]\nfolders = [\"INBOX\", \"Contacts\"]\nexclude = [\"Contacts\"]\n\
         classes = [\"Email\", \"Calendar\"]\nmail_since = \"2w\"\ncalendar_since = \"6m\"\n\
         tasks = \"incomplete\"\nbody = \"mime\"\nmax_delete_share = 0.2\n"
    );
    let p = parse(&text).unwrap()[0].sync.clone();
    assert_eq!(p.mail_filter, Some(FilterType::TwoWeeks));
    assert_eq!(p.calendar_filter, Some(FilterType::SixMonths));
    assert_eq!(p.tasks_filter, Some(FilterType::IncompleteTasks));
    assert_eq!(p.filter_for(Some(ItemClass::Contacts)), None);
    assert_eq!((p.body, p.max_delete_share), (BodyPolicy::Mime, 0.2));
    assert!(p.wants("INBOX", Some("Email")));
    assert!(!p.wants("Contacts", Some("Contacts")), "excluded");
    assert!(!p.wants("Archive", Some("Email")), "not listed");
}

#[test]
fn sync_preference_errors_name_the_key_and_the_choices() {
    let bad = |extra: &str| error(&format!("{BASE}[account.a.sync]\n{extra}\n"));
    let e = bad("mail_since = \"3m\"");
    assert!(
        e.contains("sync.mail_since = \"3m\"") && e.contains("all, 1d, 3d, 1w, 2w, 1m"),
        "{e}"
    );
    let e = bad("calendar_since = \"1d\"");
    assert!(e.contains("all, 2w, 1m, 3m, 6m"), "{e}");
    assert!(bad("tasks = \"1m\"").contains("all, incomplete"));
    assert!(bad("body = \"html\"").contains("headers, preview, text or mime"));
    assert!(bad("classes = [\"Mail\"]").contains("\"Mail\" is not one of"));
    assert!(bad("max_delete_share = 0.0").contains("sync.max_delete_share"));
    assert!(bad("folder = [\"INBOX\"]").contains("unknown field `folder`"));
}

#[test]
fn toml_error_does_not_echo_password() {
    // toml's error Display quotes the source line: a password on it went to the terminal.
    for (text, at) in [
        (
            "[account.a]\nemail = \"a@b.c\"\npassword = \"hunter2\" oops\n",
            "line 3",
        ),
        (
            "[account.a]\nemail = \"a@b.c\"\npassword = \"hunter2\n",
            "line 3",
        ),
        (
            "[account.a]\nemail = \"a@b.c\"\npassword = 'hunter2' = 1\n",
            "line 3",
        ),
        (
            "[account.a]\nemail = \"a@b.c\"\n\npassword = 74920137\n",
            "line 4",
        ),
        (
            "[account.a]\nemail = \"a@b.c\"\npassword_cmd = \"hunter2\"\n",
            "line 3",
        ),
    ] {
        let msg = error(text);
        eprintln!("{msg}");
        assert!(
            !msg.contains("hunter2") && !msg.contains("74920137"),
            "the value is echoed: {msg}"
        );
        assert!(msg.contains("config.toml") && msg.contains(at), "{msg}");
        assert!(msg.contains("column"), "{msg}");
    }
    // What a typo needs to be found is kept.
    let msg = error("[account.a]\nemail = \"a@b.c\"\npasword = \"hunter2\"\n");
    assert!(msg.contains("pasword") && !msg.contains("hunter2"), "{msg}");
}

#[test]
fn http_url_refused_for_non_loopback() {
    // `url = "http://…"` to another machine was accepted: the password went out unencrypted.
    let account = |url: &str, extra: &str| {
        format!("[account.a]\nemail = \"a@b.c\"\npassword_env = \"P\"\nurl = \"{url}\"\n{extra}")
    };
    let msg = error(&account(
        "http://mail.example.com/Microsoft-Server-ActiveSync",
        "",
    ));
    assert!(msg.contains("plain http"), "{msg}");
    assert!(
        msg.contains("https://") && msg.contains("allow_insecure_http = true"),
        "{msg}"
    );
    let lab = parse(&account(
        "http://mail.example.com/Microsoft-Server-ActiveSync",
        "allow_insecure_http = true\n",
    ))
    .unwrap();
    assert!(
        lab[0].tls.allow_insecure_http,
        "the opt-in reaches the session"
    );
    for local in [
        "http://127.0.0.1:8080/Microsoft-Server-ActiveSync",
        "http://[::1]/Microsoft-Server-ActiveSync",
        "http://localhost/Microsoft-Server-ActiveSync",
        "https://mail.example.com/Microsoft-Server-ActiveSync",
    ] {
        let ok = parse(&account(local, "")).unwrap();
        assert!(!ok[0].tls.allow_insecure_http, "{local}");
    }
    let msg = error(&account("ftp://mail.example.com/", ""));
    assert!(msg.contains("https://"), "{msg}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("easync-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn token_cmd_is_cached_until_expiry() {
    // token_cmd ran before every request: one helper process (and maybe a token refresh) per
    // HTTP request. The token is now kept until its stated expiry.
    let dir = scratch("token-cache");
    let count = dir.join("count");
    let helper = |answer: &str| {
        SecretSource::TokenCommand(vec![
            "sh".into(),
            "-c".into(),
            format!("echo x >> {0}; n=$(wc -l < {0}); {answer}", count.display()),
        ])
    };
    let runs = || {
        std::fs::read_to_string(&count)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let token = |auth: &Auth| match auth {
        Auth::Bearer(source) => source.token().block().unwrap().expose().to_string(),
        other => panic!("{other:?}"),
    };
    // A bare token: kept for token_lifetime (default 50 min).
    let auth = helper("echo tok-$n").auth("bob").block().unwrap();
    assert_eq!(runs(), 1, "fetched once up front");
    for _ in 0..5 {
        assert_eq!(token(&auth), "tok-1");
    }
    assert_eq!(runs(), 1, "served from the cache");
    // A JSON answer with expires_in: renewed once it runs out.
    std::fs::remove_file(&count).unwrap();
    let json = r#"printf '{"access_token":"tok-%s","expires_in":1}\n' $n"#;
    let auth = helper(json).auth("bob").block().unwrap();
    assert_eq!(token(&auth), "tok-1");
    assert_eq!(runs(), 1);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(token(&auth), "tok-2", "expired: fetched anew");
    assert_eq!(token(&auth), "tok-2");
    assert_eq!(runs(), 2);
    // A server that refuses the token (401) makes the source forget it.
    if let Auth::Bearer(source) = &auth {
        source.invalidate();
    }
    assert_eq!(token(&auth), "tok-3");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn secret_cmd_timeout() {
    // A password_cmd that hangs (a pinentry with no terminal, a helper waiting for a network)
    // hung easync for ever, and blocked the runtime thread while it did.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    let opts = config::SecretOptions {
        timeout: std::time::Duration::from_millis(500),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ticks = Arc::new(AtomicU32::new(0));
    let counter = ticks.clone();
    let started = std::time::Instant::now();
    let err = rt.block_on(async move {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let hangs = SecretSource::Command(vec!["sleep".into(), "30".into()]);
        hangs.auth_with("bob", &opts).await.unwrap_err()
    });
    let msg = err.to_string();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        msg.contains("did not finish within") && msg.contains("secret_timeout"),
        "{msg}"
    );
    assert!(
        ticks.load(Ordering::Relaxed) >= 5,
        "the runtime kept running meanwhile"
    );
    // The keys: configurable, bounded.
    let a = parse(&format!("{BASE}secret_timeout = 5\ntoken_lifetime = 600\n")).unwrap();
    assert_eq!(
        a[0].secret_options.timeout,
        std::time::Duration::from_secs(5)
    );
    assert_eq!(
        a[0].secret_options.token_lifetime,
        std::time::Duration::from_secs(600)
    );
    assert!(error(&format!("{BASE}secret_timeout = 0\n")).contains("secret_timeout"));
    assert!(error(&format!("{BASE}token_lifetime = 1\n")).contains("token_lifetime"));
}

#[test]
fn raw_config_debug_hides_the_password() {
    let raw: config::ConfigFile =
        toml::from_str("[account.a]\nemail = \"a@b.c\"\npassword = \"hunter2\"\n").unwrap();
    let shown = format!("{raw:?}");
    assert!(
        !shown.contains("hunter2") && shown.contains("Secret(***)"),
        "{shown}"
    );
}
