//! Citus from a release source tarball: no package registry these machines reach ships it.
//! `CITUS_SOURCE` names the tarball; an installed Citus is found and left alone.

use crate::proc::{self, note, step};
use crate::root;
use crate::stack::postgres::bin_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian packages Citus' build needs besides a C compiler.
const BUILD_PACKAGES: &[&str] = &[
    "postgresql-server-dev-15",
    "libcurl4-openssl-dev",
    "liblz4-dev",
    "libzstd-dev",
    "libkrb5-dev",
    "libselinux1-dev",
    "libxslt1-dev",
    "libpam0g-dev",
    "libssl-dev",
    "make",
    "gcc",
];

/// What to tell someone whose machine has neither Citus nor its source.
const HOW_TO_GET_IT: &str =
    "Citus is not installed and CITUS_SOURCE is not set. Set CITUS_SOURCE to \
     a Citus release source tarball (for example citus-13.2.2.tar.gz from the citusdata/citus \
     releases) and the tier builds and installs it (about 2 minutes), or install Citus for \
     PostgreSQL 15 yourself";

fn pg_config(arg: &str) -> Option<PathBuf> {
    let out = proc::output(Command::new(bin_dir().join("pg_config")).arg(arg))?;
    Some(PathBuf::from(out.trim()))
}

/// Whether the Citus extension is installed for the stack's PostgreSQL.
pub fn installed() -> bool {
    let lib = pg_config("--pkglibdir").map(|d| d.join("citus.so"));
    let control = pg_config("--sharedir").map(|d| d.join("extension/citus.control"));
    lib.is_some_and(|p| p.exists()) && control.is_some_and(|p| p.exists())
}

/// Installs Citus from `CITUS_SOURCE` unless it is installed already.
pub fn ensure() -> crate::Result<()> {
    step("citus: the extension");
    if installed() {
        note("installed");
        return Ok(());
    }
    let source = std::env::var("CITUS_SOURCE")
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or(HOW_TO_GET_IT)?;
    let source = PathBuf::from(source);
    if !source.exists() {
        return Err(format!("CITUS_SOURCE={} does not exist", source.display()));
    }
    build_packages()?;
    let dir = root().join("target/citus-build");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    note(&format!("building from {}", source.display()));
    proc::run(
        Command::new("tar")
            .args(["xzf"])
            .arg(&source)
            .args(["-C"])
            .arg(&dir)
            .arg("--strip-components=1"),
        "the Citus tarball did not unpack",
    )?;
    patch_compat_header(&dir)?;
    // The tarball's timestamps would make make rerun autoconf, which is not installed.
    proc::run(
        Command::new("touch").arg(dir.join("configure")),
        "touch failed",
    )?;
    let pg_config = format!("PG_CONFIG={}", bin_dir().join("pg_config").display());
    let steps: [(&str, &[&str]); 3] = [
        ("./configure", &[&pg_config]),
        ("make", &["-j2", "-s"]),
        ("make", &["install", "-s"]),
    ];
    for (program, args) in steps {
        proc::run(
            Command::new(program)
                .args(args)
                .current_dir(&dir)
                .stdout(std::process::Stdio::null()),
            "the Citus build failed; see the output above",
        )?;
    }
    if installed() {
        Ok(())
    } else {
        Err("make install finished but PostgreSQL does not see citus.so".into())
    }
}

fn build_packages() -> crate::Result<()> {
    let missing: Vec<&str> = BUILD_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !proc::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]))
                .is_some_and(|s| s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !proc::is_root() {
        return Err(format!(
            "Citus' build needs: sudo apt-get install {}",
            missing.join(" ")
        ));
    }
    crate::toolchain::apt_install(
        &missing,
        "apt-get could not install Citus' build dependencies",
    )
}

/// Debian's PostgreSQL 15 headers declare `have_createdb_privilege()`, which Citus' PG15
/// compatibility header defines again as a static inline function: the build fails on the
/// redefinition until that one definition goes.
fn patch_compat_header(dir: &Path) -> crate::Result<()> {
    let header = dir.join("src/include/pg_version_compat.h");
    let text =
        std::fs::read_to_string(&header).map_err(|e| format!("{}: {e}", header.display()))?;
    let Some(start) = text.find("static inline bool\nhave_createdb_privilege(void)") else {
        return Ok(());
    };
    let end = text[start..]
        .find("\n}\n")
        .map(|i| start + i + 3)
        .ok_or("pg_version_compat.h: the have_createdb_privilege definition has no end")?;
    let patched = format!("{}{}", &text[..start], &text[end..]);
    std::fs::write(&header, patched).map_err(|e| format!("{}: {e}", header.display()))
}
