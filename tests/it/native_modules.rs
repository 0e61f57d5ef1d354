//! The runtime carries the native modules frozen programs commonly need:
//! sqlite3, ssl (rustls), zlib/bz2/lzma, ctypes, socket/select, decimal,
//! unicodedata, threading. These are the RustPython runtime's own (the
//! CPython runtime carries CPython's).

use pyfreeze_tests::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn native_modules_match_python3() {
    let program = fixtures().join("natives.py");
    let expected = Command::new(python3()).arg(&program).output().unwrap();
    assert!(
        expected.status.success(),
        "python3: {}",
        text(&expected.stderr)
    );
    let dir = scratch();
    let exe = dir.path().join("natives");
    freeze(&program, &exe, RUSTPYTHON);
    let got = run(&exe, [""; 0]);
    assert_eq!(
        text(&got.stdout),
        text(&expected.stdout),
        "stderr: {}",
        text(&got.stderr)
    );
    assert!(got.status.success());
}

/// The one-shot TLS server of tests/fixtures/tls and the port it listens on.
fn tls_server() -> (std::process::Child, String) {
    let mut server = Command::new(python3())
        .arg(fixtures().join("tls").join("server.py"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the TLS server");
    let mut port = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let port = port.trim().to_string();
    assert!(port.parse::<u16>().is_ok(), "server said {port:?}");
    (server, port)
}

#[test]
fn tls_connection_to_a_local_server_with_a_self_signed_certificate() {
    // Build first: the server waits only so long for its one client.
    let app = freeze_source(
        "import socket, ssl, sys\n\
         ctx = ssl.create_default_context(cafile=sys.argv[2])\n\
         with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=30) as sock:\n\
         \x20   with ctx.wrap_socket(sock, server_hostname='localhost') as conn:\n\
         \x20       conn.sendall(b'ping')\n\
         \x20       print(conn.recv(100).decode(), conn.version().startswith('TLS'))\n",
        RUSTPYTHON,
    );
    let (mut server, port) = tls_server();
    let cert = fixtures().join("tls").join("cert.pem");
    let got = run(&app.exe, [port.as_str(), cert.to_str().unwrap()]);
    let server_status = server.wait().unwrap();
    assert_eq!(
        text(&got.stdout),
        "pong:ping True\n",
        "stderr: {}",
        text(&got.stderr)
    );
    assert!(server_status.success());
}

#[test]
fn tls_refuses_an_untrusted_certificate() {
    // Default trust store only: the self-signed certificate must be rejected.
    let app = freeze_source(
        "import socket, ssl, sys\n\
         ctx = ssl.create_default_context()\n\
         try:\n\
         \x20   with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=30) as sock:\n\
         \x20       ctx.wrap_socket(sock, server_hostname='localhost')\n\
         \x20   print('connected')\n\
         except ssl.SSLError as e:\n\
         \x20   print('refused', type(e).__name__)\n",
        RUSTPYTHON,
    );
    let (mut server, port) = tls_server();
    let got = run(&app.exe, [port.as_str()]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        text(&got.stdout).starts_with("refused"),
        "{} {}",
        text(&got.stdout),
        text(&got.stderr)
    );
}
