//! Static files for `--static DIR`.

use std::path::{Path, PathBuf};

use crate::http::{decode, Request, Response};

/// The MIME type for a file name.
fn mime(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ts" => "application/typescript; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Maps a raw URL path to a file under `root`, refusing anything that would
/// leave it (`..` segments, backslashes, NUL).
fn resolve(root: &Path, raw_path: &str) -> Option<PathBuf> {
    let decoded = decode(raw_path, false);
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut path = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => path.push(s),
        }
    }
    Some(path)
}

/// Answers a GET/HEAD for a static file.
pub(crate) async fn serve(root: &Path, req: &Request) -> Response {
    let not_found = || Response::text(404, "not found\n");
    let Some(mut path) = resolve(root, &req.path) else {
        return not_found();
    };
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return not_found();
    };
    if meta.is_dir() {
        if !req.path.ends_with('/') {
            // Relative URLs in index.html need the trailing slash.
            let mut location = format!("{}/", req.path);
            if !req.raw_query.is_empty() {
                location.push('?');
                location.push_str(&req.raw_query);
            }
            return Response::text(301, "moved\n").header("Location", location);
        }
        path.push("index.html");
    }
    match tokio::fs::read(&path).await {
        // `no-cache` (revalidate), not `no-store`: a page holding a WebSocket stays
        // eligible for the back/forward cache, as most sites' pages are (tests/e2e).
        Ok(body) => Response {
            cache_control: "no-cache",
            ..Response::new(200, mime(&path), body)
        },
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_inside_root_only() {
        let root = Path::new("/srv");
        assert_eq!(resolve(root, "/a/b.js"), Some(PathBuf::from("/srv/a/b.js")));
        assert_eq!(resolve(root, "/./a//b"), Some(PathBuf::from("/srv/a/b")));
        assert_eq!(resolve(root, "/"), Some(PathBuf::from("/srv")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/%2e%2e/%2e%2e/x"), None);
        assert_eq!(resolve(root, "/a%5c..%5cx"), None);
        assert_eq!(mime(Path::new("x.wasm")), "application/wasm");
        assert_eq!(mime(Path::new("x.MJS")), "text/javascript; charset=utf-8");
    }
}
