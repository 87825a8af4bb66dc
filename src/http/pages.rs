//! The web pages: the TV UI at `/tv/`, the township office's admin UI at `/admin/`, the
//! broadcaster's phone page at `/m/`, and the few npm-built browser libraries they use at
//! `/vendor/{name}` — static files from the `web_dir` setting. The pages themselves are
//! public; everything they show comes from the API, which checks who is asking. A strict
//! Content-Security-Policy stops injected markup from running scripts even where escaping
//! were forgotten.

use std::path::{Component, Path, PathBuf};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::serve::{send, Audience, Described};
use crate::app::App;
use crate::error::AppError;
use crate::media::safe_open::Wanted;

/// The browser libraries served from `web/vendor/` (copies of the pinned npm builds, checked
/// against `web/node_modules` by `make test`, so running needs no Node): name in the URL →
/// path under `web_dir`. Nothing else under `web_dir` is reachable this way.
const VENDOR: &[(&str, &str)] = &[
    ("hls.min.js", "vendor/hls.min.js"),
    ("tus.min.js", "vendor/tus.min.js"),
];

/// Scripts only from here; media and images also as blobs (hls.js feeds MSE from blobs).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `/` → the TV UI (what a TV's browser opens when given the server's address).
pub async fn root() -> HttpResponse {
    redirect("/tv/")
}

/// `/tv`, `/admin` and `/m` without the slash → with it, so relative links work.
pub async fn add_slash(req: HttpRequest) -> HttpResponse {
    redirect(&format!("{}/", req.path()))
}

/// A file of the TV UI.
pub async fn tv(
    app: web::Data<App>,
    req: HttpRequest,
    tail: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(&app, &req, "tv", &tail).await
}

/// A file of the admin UI.
pub async fn admin(
    app: web::Data<App>,
    req: HttpRequest,
    tail: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(&app, &req, "admin", &tail).await
}

/// A file of the broadcaster's phone page.
pub async fn phone(
    app: web::Data<App>,
    req: HttpRequest,
    tail: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(&app, &req, "m", &tail).await
}

/// A vendored browser library.
pub async fn vendor(
    app: web::Data<App>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some((_, rel)) = VENDOR.iter().find(|(n, _)| *n == name.as_str()) else {
        return Err(AppError::NotFound { what: "文件" });
    };
    serve(&app, &req, &app.settings.web_dir.join(rel)).await
}

async fn page(
    app: &App,
    req: &HttpRequest,
    ui: &str,
    tail: &str,
) -> Result<HttpResponse, AppError> {
    let root = app.settings.web_dir.join(ui);
    let path = resolve(&root, tail).ok_or(AppError::NotFound { what: "页面" })?;
    serve(app, req, &path).await
}

/// The file `tail` names under `root`: `index.html` for a folder path; `None` for anything
/// that could leave `root` or reach a hidden file (`..`, `.x`, backslashes, NUL).
pub(crate) fn resolve(root: &Path, tail: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in tail.split('/').filter(|p| !p.is_empty()) {
        if part.starts_with('.') || part.contains(['\\', '\0']) {
            return None;
        }
        match Path::new(part).components().next() {
            Some(Component::Normal(_)) => path.push(part),
            _ => return None,
        }
    }
    if tail.is_empty() || tail.ends_with('/') {
        path.push("index.html");
    }
    Some(path)
}

/// Sends a page's file, revalidated on every use (the pages change with the server).
async fn serve(app: &App, req: &HttpRequest, path: &Path) -> Result<HttpResponse, AppError> {
    let wanted = Wanted::Installed {
        path: path.to_owned(),
    };
    let content_type = content_type(path);
    let described = Described {
        content_type: &content_type,
        cache_control: "no-cache",
        audience: Audience::Browsers { csp: CSP },
    };
    match send(app, req, wanted, described).await {
        Err(AppError::FileMissing | AppError::Io(_)) => Err(AppError::NotFound { what: "页面" }),
        answer => answer,
    }
}

fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    match mime.type_() {
        mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
        _ if mime.subtype() == "javascript" || mime.subtype() == "json" => {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    }
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_ui_folder() {
        let root = Path::new("/srv/web/tv");
        assert_eq!(resolve(root, ""), Some(root.join("index.html")));
        assert_eq!(
            resolve(root, "search/"),
            Some(root.join("search/index.html"))
        );
        assert_eq!(resolve(root, "js/app.js"), Some(root.join("js/app.js")));
        assert_eq!(resolve(root, "a//b.css"), Some(root.join("a/b.css")));
        for bad in [
            "../admin/index.html",
            "js/../../x",
            ".git/config",
            "a\\..\\b",
            "a\0b",
            "/etc/passwd/..",
        ] {
            assert_eq!(resolve(root, bad), None, "{bad:?}");
        }
        // A leading slash is only an empty segment: still under the root.
        assert_eq!(resolve(root, "/etc/passwd"), Some(root.join("etc/passwd")));
    }

    #[test]
    fn text_files_say_their_charset() {
        assert_eq!(
            content_type(Path::new("a.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("a.css")), "text/css; charset=utf-8");
        assert!(content_type(Path::new("a.js")).ends_with("javascript; charset=utf-8"));
        assert_eq!(content_type(Path::new("a.png")), "image/png");
    }
}
