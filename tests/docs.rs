//! The reference documents cannot fall behind the code: docs/commands.md has a heading for every
//! command of the clap definition and every exit code of `cli::exit_codes`; docs/configuration.md
//! names every key each table of the file accepts (serde lists them in its unknown-field error);
//! the README keeps its first two commands at the top, and every relative link of the README and
//! the documents leads to a file that exists.

use std::path::Path;

use clap::CommandFactory;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// `easync`, `easync mail search`, … for every command users can type.
fn command_paths(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{prefix} {}", sub.get_name());
        if sub.has_subcommands() {
            command_paths(sub, &path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_command_has_its_section_in_commands_md() {
    let doc = read("docs/commands.md");
    let mut paths = Vec::new();
    command_paths(&easync::cli::Cli::command(), "easync", &mut paths);
    assert!(paths.len() > 30, "{paths:?}");
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| !doc.contains(&format!("\n### {p}\n")))
        .collect();
    assert!(missing.is_empty(), "docs/commands.md lacks {missing:?}");
}

#[test]
fn every_exit_code_is_in_the_table_of_commands_md() {
    let doc = read("docs/commands.md");
    for (code, _) in easync::cli::exit_codes::EXIT_CODES {
        assert!(
            doc.contains(&format!("\n| {code} | ")),
            "docs/commands.md lacks exit code {code}"
        );
    }
}

/// The keys serde accepts in the table `table` opens (an unknown key makes it list them).
fn accepted_keys(table: &str) -> Vec<String> {
    let text =
        format!("[account.a]\nemail = \"a@b.c\"\npassword_env = \"X\"\n{table}\nnot_a_key = 1\n");
    let dirs = easync::config::Dirs {
        config: "/nonexistent".into(),
        state: "/nonexistent".into(),
    };
    let err = easync::config::parse(&text, Path::new("x.toml"), &dirs)
        .expect_err("an unknown key is refused")
        .to_string();
    let list = err
        .split_once("expected")
        .unwrap_or_else(|| panic!("{err}"))
        .1;
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_configuration_key_is_in_configuration_md() {
    let doc = read("docs/configuration.md");
    let tables = [
        "",
        "[account.a.tls]",
        "[account.a.sync]",
        "[account.a.watch]",
        "[[account.a.watch.hook]]\nfolder = \"Inbox\"",
        "[[account.a.export]]\nwhat = \"mail\"",
    ];
    let mut seen = 0;
    for table in tables {
        let keys = accepted_keys(table);
        assert!(keys.len() >= 2, "{table}: {keys:?}");
        for key in keys {
            seen += 1;
            assert!(
                doc.contains(&format!("`{key}` |")) || doc.contains(&format!("`{key}`, ")),
                "docs/configuration.md lacks the key {key} of {table:?}"
            );
        }
    }
    assert!(seen > 40, "{seen} keys");
}

#[test]
fn the_readme_starts_with_its_two_commands() {
    let readme = read("README.md");
    let blocks: Vec<&str> = readme.split("```sh\n").skip(1).take(2).collect();
    assert!(
        blocks[0].starts_with("cargo run -- demo\n```"),
        "{}",
        blocks[0]
    );
    assert!(
        blocks[1].starts_with("cargo test --workspace\n```"),
        "{}",
        blocks[1]
    );
    let getting_started = readme.find("## Getting started").unwrap();
    assert!(readme.find("cargo test --workspace").unwrap() < getting_started);
}

#[test]
fn relative_links_lead_to_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<std::path::PathBuf> = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        docs.push(e.unwrap().path());
    }
    let mut checked = 0;
    for doc in docs
        .iter()
        .filter(|d| d.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(doc).unwrap();
        for part in text.split("](").skip(1) {
            let target = part.split(')').next().unwrap().split('#').next().unwrap();
            if target.is_empty() || target.contains("://") {
                continue;
            }
            let path = doc.parent().unwrap().join(target);
            assert!(
                path.exists(),
                "{}: link to {target} leads nowhere",
                doc.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked} links");
}
