//! An ALTCHA solver independent of Twofold's: PyPI's `altcha` library, run by
//! `altcha_solve.py` in a virtual environment under the target directory (`altcha-venv`), which
//! `.ci/run` prepares and which is made here on first use if it is missing.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

/// The version the core's unit test checked the format against.
const ALTCHA: &str = "altcha==2.3.0";

static READY: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The base64 payload that solves `challenge` (the `altcha` member of a `captcha_required`
/// problem), found by the Python library.
pub fn solve(challenge: &Value) -> String {
    let python = python();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/altcha_solve.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(challenge.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "altcha_solve.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The venv's Python with `altcha` importable, made once per test binary if missing.
fn python() -> PathBuf {
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(python) = ready.as_ref() {
        return python.clone();
    }
    let venv = target_dir().join("altcha-venv");
    let python = venv.join("bin").join("python");
    if !imports_altcha(&python) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(made.success(), "python3 -m venv {}", venv.display());
        let installed = Command::new(venv.join("bin").join("pip"))
            .args(["install", "-q", "--disable-pip-version-check", ALTCHA])
            .status()
            .unwrap();
        assert!(installed.success(), "pip install {ALTCHA}");
        assert!(
            imports_altcha(&python),
            "altcha does not import after install"
        );
    }
    *ready = Some(python.clone());
    python
}

fn imports_altcha(python: &PathBuf) -> bool {
    Command::new(python)
        .args(["-c", "import altcha"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The target directory this test binary was built in (`<target>/debug/deps/<binary>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}
