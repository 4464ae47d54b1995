//! A static file server on 127.0.0.1 for a TUF repository laid out as the CDN serves it.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;

/// Serves the files of a directory (switchable while running) until dropped.
pub struct Server {
    pub url: String,
    root: Arc<RwLock<PathBuf>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    pub async fn start(root: &Path) -> Server {
        let root = Arc::new(RwLock::new(root.to_owned()));
        let app = axum::Router::new()
            .fallback(serve_file)
            .with_state(root.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Server {
            url,
            root,
            stop: Some(stop),
        }
    }

    /// Serve another directory from now on.
    pub fn switch_to(&self, root: &Path) {
        *self.root.write().unwrap() = root.to_owned();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve_file(State(root): State<Arc<RwLock<PathBuf>>>, uri: Uri) -> impl IntoResponse {
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
