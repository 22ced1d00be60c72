//! `easync doctor`'s TLS check: a port that speaks plain http, a certificate from an internal
//! CA (openssl makes the CA and the server's certificate, Python's ssl serves it) refused
//! until `tls.ca_file` names the CA, and a `ca_file` that does not exist.

mod common;
#[path = "common/doctor.rs"]
mod doc;
#[path = "common/sim.rs"]
mod sim;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use doc::{doctor, has, only_failure, setup, tiny};
use sim::start;

#[test]
fn tls_to_a_port_that_speaks_plain_http() {
    let server = start(tiny());
    let url = server.url().replace("http://", "https://");
    let s = setup("tls-plain", &url, "");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 1);
    only_failure(&checks, "tls");
    has(&checks, "tls", "fail", "does not speak TLS there");
    has(&checks, "options", "skip", "needs tls");
}

/// Runs openssl with `args` in `dir`; whether it worked.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// An internal CA and a certificate it signed for 127.0.0.1 (openssl), served by Python's ssl
/// module; the port and the CA's file.
fn https_server(dir: &Path) -> Option<(std::process::Child, u16, PathBuf)> {
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let made = openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=easync test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    ) && openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
    ) && openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "cert.pem",
        ],
    );
    if !made {
        assert!(
            std::env::var_os("EASYNC_REQUIRE_CONSUMERS").is_none(),
            "openssl is required here (apt-get install openssl)"
        );
        eprintln!("openssl not installed or failed: the certificate checks are skipped");
        return None;
    }
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let script = format!(
        "import http.server, ssl, sys\n\
         s = http.server.HTTPServer(('127.0.0.1', 0), http.server.BaseHTTPRequestHandler)\n\
         c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain('{}', '{}')\n\
         s.socket = c.wrap_socket(s.socket, server_side=True)\n\
         print(s.server_address[1], flush=True)\n\
         s.serve_forever()\n",
        cert.display(),
        key.display()
    );
    let mut child = Command::new(common::python())
        .arg("-c")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .ok()?;
    let port = line.trim().parse().ok()?;
    Some((child, port, dir.join("ca.pem")))
}

#[test]
fn an_untrusted_certificate_then_the_same_with_its_ca_file() {
    let dir = std::env::temp_dir().join(format!("easync-doctor-certs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let Some((mut child, port, ca)) = https_server(&dir) else {
        return;
    };
    let url = format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync");
    let s = setup("cert", &url, "");
    let (checks, _) = doctor(&s);
    has(
        &checks,
        "tls",
        "fail",
        "ca_file = \"/path/to/ca.pem\" in [account.a.tls]",
    );
    let trusted = setup(
        "cert-ca",
        &url,
        &format!("[account.a.tls]\nca_file = \"{}\"", ca.display()),
    );
    let (checks, _) = doctor(&trusted);
    has(
        &checks,
        "tls",
        "ok",
        "certificate verified (system roots and",
    );
    // Python's server answers OPTIONS with 501: no EAS there, and doctor says so.
    assert_eq!(checks["options"].0, "fail", "{checks:#?}");
    let missing = setup(
        "cert-none",
        &url,
        "[account.a.tls]\nca_file = \"/nonexistent/ca.pem\"",
    );
    let (checks, code) = doctor(&missing);
    assert_eq!(code, 78);
    has(&checks, "tls", "fail", "ca_file must name a readable file");
    let _ = child.kill();
    let _ = child.wait();
}
