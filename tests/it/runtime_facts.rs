//! What a frozen program sees, as under PyInstaller: sys.frozen, the
//! executable's path, untouched arguments, exit codes, tracebacks, signals,
//! and working standard streams; under both runtimes.

use pyfreeze_tests::*;
use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn sys_facts_and_arguments() {
    for runtime in RUNTIMES {
        sys_facts_and_arguments_under(runtime);
    }
}

fn sys_facts_and_arguments_under(runtime: &[&str]) {
    let app = freeze_source(
        "import sys, os, json\n\
         print(json.dumps({'frozen': sys.frozen, 'executable': sys.executable, 'argv0': sys.argv[0],\n\
                           'args': sys.argv[1:], 'name': __name__, 'file': __file__,\n\
                           'meipass': sys._MEIPASS}))\n",
        runtime,
    );
    let args = ["héllo wörld", "", "with spaces", "日本語", "--flag=1", "-"];
    let out = run(&app.exe, args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exe = app.exe.canonicalize().unwrap();
    assert_eq!(got["frozen"], true);
    assert_eq!(got["executable"], exe.to_str().unwrap());
    assert_eq!(got["argv0"], app.exe.to_str().unwrap());
    assert_eq!(got["args"], serde_json::json!(args));
    assert_eq!(got["name"], "__main__");
    let file = got["file"].as_str().unwrap();
    assert!(
        file.starts_with(got["meipass"].as_str().unwrap()) && file.ends_with("main.py"),
        "{file}"
    );
}

#[test]
fn executable_path_when_started_through_path_lookup() {
    for runtime in RUNTIMES {
        let app = freeze_source(
            "import sys\nprint(sys.executable)\nprint(sys.argv[0])\n",
            runtime,
        );
        executable_path_through_path_lookup(&app);
    }
}

fn executable_path_through_path_lookup(app: &Frozen) {
    let out = Command::new("app")
        .env("PATH", app.exe.parent().unwrap())
        .output()
        .unwrap();
    let shown = text(&out.stdout);
    let mut lines = shown.lines();
    assert_eq!(
        lines.next(),
        Some(app.exe.canonicalize().unwrap().to_str().unwrap())
    );
    assert_eq!(lines.next(), Some("app"));
}

#[test]
fn exit_codes() {
    for runtime in RUNTIMES {
        exit_codes_under(runtime);
    }
}

fn exit_codes_under(runtime: &[&str]) {
    let app = freeze_source(
        "import sys\nmode = sys.argv[1]\n\
         if mode == 'int': sys.exit(7)\n\
         if mode == 'msg': sys.exit('goodbye, cruel world')\n\
         if mode == 'none': sys.exit(None)\n\
         if mode == 'fallthrough': print('done')\n",
        runtime,
    );
    assert_eq!(run(&app.exe, ["int"]).status.code(), Some(7));
    let msg = run(&app.exe, ["msg"]);
    assert_eq!(msg.status.code(), Some(1));
    assert_eq!(text(&msg.stderr), "goodbye, cruel world\n");
    assert_eq!(run(&app.exe, ["none"]).status.code(), Some(0));
    let done = run(&app.exe, ["fallthrough"]);
    assert_eq!(
        (done.status.code(), text(&done.stdout)),
        (Some(0), "done\n".to_string())
    );
}

#[test]
fn uncaught_exception_prints_a_traceback_naming_file_and_line() {
    for runtime in RUNTIMES {
        traceback_under(runtime);
    }
}

fn traceback_under(runtime: &[&str]) {
    let app = freeze_tree(
        &[
            ("main.py", "import helper\n\nhelper.explode()\n"),
            (
                "helper.py",
                "def explode():\n    x = 1\n    raise ValueError('kaboom')\n",
            ),
        ],
        runtime,
    );
    let out = run(&app.exe, [""; 0]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("Traceback (most recent call last):"),
        "{stderr}"
    );
    assert_contains(&stderr, "main.py\", line 3, in <module>");
    assert_contains(&stderr, "helper.py\", line 3, in explode");
    assert!(
        stderr.trim_end().ends_with("ValueError: kaboom"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn ctrl_c_gives_130_without_a_rust_panic() {
    let app = freeze_source(
        "import time\nprint('ready', flush=True)\ntime.sleep(60)\n",
        RUSTPYTHON,
    );
    // Through a shell, as a user sees it: $? is 130. `env
    // --default-signal` because a non-interactive shell starts background
    // jobs with SIGINT ignored, which we (like CPython) keep.
    let script = format!(
        "env --default-signal=INT '{}' & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo \"status=$?\"",
        app.exe.display()
    );
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_contains(&stdout, "ready");
    assert!(stdout.contains("status=130"), "{stdout} / {stderr}");
    assert_contains(&stderr, "KeyboardInterrupt");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

fn run_with_stdin(exe: &std::path::Path, arg: &str, input: &[u8]) -> std::process::Output {
    let mut child = Command::new(exe)
        .arg(arg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn stdin_stdout_stderr_in_text_and_binary() {
    for runtime in RUNTIMES {
        standard_streams_under(runtime);
    }
}

fn standard_streams_under(runtime: &[&str]) {
    let app = freeze_source(
        "import sys\n\
         if sys.argv[1] == 'text':\n\
         \x20   for line in sys.stdin:\n\
         \x20       print('text:', line.strip().upper())\n\
         \x20   print('to stderr ✓', file=sys.stderr)\n\
         else:\n\
         \x20   data = sys.stdin.buffer.read()\n\
         \x20   sys.stdout.buffer.write(data[::-1])\n",
        runtime,
    );
    let text_run = run_with_stdin(&app.exe, "text", "first é\nsecond\n".as_bytes());
    assert!(text_run.status.success(), "{}", text(&text_run.stderr));
    assert_eq!(text(&text_run.stdout), "text: FIRST É\ntext: SECOND\n");
    assert_eq!(text(&text_run.stderr), "to stderr ✓\n");

    let binary = run_with_stdin(&app.exe, "binary", b"\x00\x01\xff\xfe\r\n");
    assert!(binary.status.success(), "{}", text(&binary.stderr));
    assert_eq!(binary.stdout, b"\n\r\xfe\xff\x01\x00");
}

#[test]
fn piping_into_head_prints_no_broken_pipe_traceback() {
    for runtime in RUNTIMES {
        let app = freeze_source(
            "import atexit\natexit.register(lambda: open(__import__('sys').argv[1], 'w').write('atexit ran'))\n\
             if len(__import__('sys').argv) > 2:\n    print('short')\nelse:\n    for i in range(200000):\n        print('line', i)\n",
            runtime,
        );
        let dir = scratch();
        let marker = dir.path().join("atexit");
        let m = marker.display();
        let exe = app.exe.display();
        // The reader goes away while the program prints, and (second) before
        // the program's only output is flushed at exit.
        for (script, lines) in [
            (
                format!("'{exe}' '{m}' | head -n 2; echo \"status=${{PIPESTATUS[0]}}\""),
                "line 0\nline 1\n",
            ),
            (
                format!(
                    "(sleep 0.3; '{exe}' '{m}' short) | true; echo \"status=${{PIPESTATUS[0]}}\""
                ),
                "",
            ),
        ] {
            let _ = std::fs::remove_file(&marker);
            let out = Command::new("bash")
                .arg("-c")
                .arg(&script)
                .output()
                .unwrap();
            let stdout = text(&out.stdout);
            assert!(stdout.starts_with(lines), "{runtime:?}: {stdout}");
            // Killed by SIGPIPE, like a C program: 141 in the shell.
            assert_contains(&stdout, "status=141");
            let stderr = text(&out.stderr);
            assert!(
                !stderr.contains("BrokenPipeError")
                    && !stderr.contains("Traceback")
                    && !stderr.contains("Exception ignored"),
                "{runtime:?}: {script}: {stderr}"
            );
            assert_eq!(
                std::fs::read_to_string(&marker).unwrap_or_default(),
                "atexit ran",
                "{runtime:?}: {script}"
            );
        }
    }
}
