//! A static file server on 127.0.0.1 (a TUF repository in the CDN layout), on its own runtime
//! thread so that blocking tests can run `sigchain` processes against it.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::http::{StatusCode, Uri};

/// Serves the files under a folder (switchable) until dropped.
pub struct FileServer {
    pub url: String,
    root: Arc<RwLock<PathBuf>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FileServer {
    pub fn start(root: &Path) -> FileServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let root = Arc::new(RwLock::new(root.to_owned()));
        let app = axum::Router::new()
            .fallback(serve_file)
            .with_state(root.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FileServer {
            url,
            root,
            runtime: Some(runtime),
        }
    }

    /// Serve another folder from now on.
    pub fn switch_to(&self, root: &Path) {
        *self.root.write().unwrap() = root.to_owned();
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve_file(
    State(root): State<Arc<RwLock<PathBuf>>>,
    uri: Uri,
) -> Result<Vec<u8>, StatusCode> {
    let relative = Path::new(uri.path().trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(StatusCode::NOT_FOUND);
    }
    let path = root.read().unwrap().join(relative);
    tokio::fs::read(path)
        .await
        .map_err(|_| StatusCode::NOT_FOUND)
}
