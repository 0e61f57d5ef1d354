//! The compile helper: the build's interpreter, running `helper.py`, one
//! process per build, answering compile and marshal requests over a pipe.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const HELPER: &str = include_str!("helper.py");

pub struct Helper {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

/// A syntax error as the interpreter reports it.
pub struct CompileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Helper {
    pub fn start(python: &Path) -> Result<Helper> {
        let mut child = Command::new(python)
            .args(["-I", "-S", "-c", HELPER])
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONPATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", python.display()))?;
        let stdin = child.stdin.take().context("helper stdin")?;
        let stdout = child.stdout.take().context("helper stdout")?;
        Ok(Helper {
            child,
            stdin,
            stdout,
        })
    }

    fn ask(&mut self, request: &serde_json::Value) -> Result<(u8, Vec<u8>)> {
        let body = serde_json::to_vec(request)?;
        self.stdin.write_all(&(body.len() as u64).to_le_bytes())?;
        self.stdin.write_all(&body)?;
        self.stdin.flush()?;
        let mut len = [0u8; 8];
        self.stdout
            .read_exact(&mut len)
            .context("the compile helper stopped answering")?;
        let mut answer = vec![0u8; u64::from_le_bytes(len) as usize];
        self.stdout.read_exact(&mut answer)?;
        if answer.is_empty() {
            bail!("the compile helper gave an empty answer");
        }
        let kind = answer.remove(0);
        Ok((kind, answer))
    }

    pub fn compile(
        &mut self,
        source: &str,
        filename: &str,
        optimize: u8,
    ) -> Result<Result<Vec<u8>, CompileError>> {
        let (kind, data) = self.ask(&serde_json::json!({
            "compile": source, "filename": filename, "optimize": optimize,
        }))?;
        if kind == 0 {
            return Ok(Ok(data));
        }
        let detail: serde_json::Value = serde_json::from_slice(&data)?;
        Ok(Err(CompileError {
            line: detail["line"].as_u64().unwrap_or(1).max(1) as usize,
            column: detail["column"].as_u64().unwrap_or(1).max(1) as usize,
            message: detail["message"]
                .as_str()
                .unwrap_or("invalid syntax")
                .to_string(),
        }))
    }

    pub fn marshal(&mut self, value: &serde_json::Value) -> Result<Vec<u8>> {
        let (kind, data) = self.ask(&serde_json::json!({ "marshal": value }))?;
        if kind != 0 {
            bail!("the interpreter could not marshal the index");
        }
        Ok(data)
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
