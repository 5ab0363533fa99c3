//! The master key: read from the environment or a key file, created 0600 on first start.

use std::fs;
use std::io::Write;
use std::path::Path;

use data_encoding::BASE64;
use twofold_core::secrets::{KEY_LEN, MasterKey};

use crate::error::Error;
use crate::random::{self, Random};

/// Decodes a base64 master key (32 bytes).
pub fn parse_master_key(encoded: &str) -> Result<MasterKey, Error> {
    let bytes = BASE64
        .decode(encoded.trim().as_bytes())
        .map_err(|_| Error::InvalidRequest("master key must be base64".to_owned()))?;
    let key: [u8; KEY_LEN] = bytes
        .try_into()
        .map_err(|_| Error::InvalidRequest(format!("master key must be {KEY_LEN} bytes")))?;
    Ok(MasterKey::from_bytes(key))
}

/// Loads the key file, or creates it (mode 0600, never overwriting) when it does not exist.
pub fn load_or_create(path: &Path, random: &dyn Random) -> Result<MasterKey, Error> {
    match fs::read_to_string(path) {
        Ok(contents) => parse_master_key(&contents),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = random::bytes::<KEY_LEN>(random)?;
            write_new_key_file(path, &BASE64.encode(&key))?;
            Ok(MasterKey::from_bytes(key))
        }
        Err(e) => Err(Error::Internal(format!("cannot read master key file: {e}"))),
    }
}

fn write_new_key_file(path: &Path, contents: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::Internal(format!("cannot create master key file: {e}"));
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(contents.as_bytes()).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    file.sync_all().map_err(fail)
}
