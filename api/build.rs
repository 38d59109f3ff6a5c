//! Embeds GraphiQL's browser bundles when `api/graphiql/build.sh` has put them in
//! `api/graphiql/dist/` (from the pinned npm packages; the folder is not committed). Without
//! them the binary still builds, and its GraphiQL page loads the same pinned files, checked by
//! their integrity hashes, from a CDN (see `src/http/graphiql/`).

use std::path::{Path, PathBuf};

/// The files, in the order of `graphiql::ASSETS`.
const FILES: [&str; 4] = [
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest.join("graphiql").join("dist");
    // The folder always exists (its .gitignore is committed), so this does not rerun the
    // script on every build; a file added or rebuilt there does.
    println!("cargo:rerun-if-changed={}", dist.display());
    let found: Vec<PathBuf> = FILES.iter().map(|f| dist.join(f)).collect();
    let code = if found.iter().all(|p| p.is_file()) {
        let items: Vec<String> = found
            .iter()
            .map(|p| format!("include_bytes!({:?})", path_str(p)))
            .collect();
        format!("Some([{}])", items.join(", "))
    } else {
        "None".to_owned()
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(
        out.join("graphiql_assets.rs"),
        format!("pub(super) static EMBEDDED: Option<[&[u8]; 4]> = {code};\n"),
    )
    .expect("OUT_DIR is writable");
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path to api/graphiql/dist")
}
