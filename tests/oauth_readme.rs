//! The README's "Microsoft 365" section, followed as a new user would: its configuration as
//! written (only the client id of the test's registration put in, and what points at this
//! machine added: the URL Autodiscover would find, the loopback identity provider, the
//! database), then its commands in order, the test playing the browser.

mod common;
#[path = "common/oauth.rs"]
mod oauth;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::idp::{IdpConfig, IdpStats};
use oauth::*;

/// The section's text, from its heading to the next.
fn section() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("## Microsoft 365")
        .expect("the README has the section");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// The first fenced block of `lang` in `text`.
fn block(text: &str, lang: &str) -> String {
    let open = format!("```{lang}\n");
    let start = text
        .find(&open)
        .unwrap_or_else(|| panic!("no {lang} block"))
        + open.len();
    let len = text[start..].find("```").unwrap();
    text[start..start + len].to_string()
}

#[test]
fn the_microsoft_365_section_works_as_written() {
    let text = section();
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = dir("readme");
    let written = block(&text, "toml");
    assert!(
        written.contains("00000000-0000-0000-0000-000000000000"),
        "{written}"
    );
    let config = written
        .replace(
            "00000000-0000-0000-0000-000000000000",
            &idp.idp.config.client_id,
        )
        .replacen(
            "[account.work]\n",
            &format!(
                "[account.work]\nurl = \"{}\"\ndatabase = \"{}\"\n",
                sim.url(),
                c.db.display()
            ),
            1,
        )
        .replacen(
            "[account.work.oauth]\n",
            &format!(
                "[account.work.oauth]\nauthority = \"{}\"\n",
                idp.authority()
            ),
            1,
        );
    std::fs::write(&c.config, &config).unwrap();
    let commands = block(&text, "sh");
    let mut ran = 0;
    for line in commands.lines() {
        let line = line.split('#').next().unwrap().trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&"easync", args)) = words.split_first() else {
            continue;
        };
        ran += 1;
        if args.first() == Some(&"login") {
            // "a browser opens": the test is the browser ($BROWSER is a no-op here).
            let mut login = Spawned::new(cmd(&c, args).spawn().unwrap());
            let url = login.read_until(|l| l.starts_with("http://"));
            play_browser(&url);
            let (status, out) = login.finish();
            assert!(status.success(), "easync {line}: {out}");
        } else {
            run_ok(&c, args);
        }
    }
    assert_eq!(ran, 2, "{commands}");
    simc::assert_mirrors(&c.db, &sim.sim);
    assert_eq!(IdpStats::get(&idp.idp.stats.codes_redeemed), 1);
    assert!(
        idp.idp
            .tenants()
            .iter()
            .all(|t| t == "contoso.onmicrosoft.com")
    );
    assert!(
        c.state.join("easync/work.oauth.json").exists(),
        "where the README says"
    );
    // The defaults the section names are the defaults.
    let scopes = format!("{:?}", easync::oauth::DEFAULT_SCOPES);
    assert!(text.contains(&scopes), "{scopes}");
    assert!(text.contains(easync::oauth::DEFAULT_AUTHORITY));
}
