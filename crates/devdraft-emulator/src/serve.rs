//! Serving connections ourselves, so that a handler can close its connection without an
//! answer (the `drop-after-commit` fault): a proxy in front must then not know whether the
//! customer was created, which is the case idempotency keys exist for.

use std::{io, net::SocketAddr, sync::Arc};

use axum::{Extension, Router};
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use tokio::{net::TcpListener, sync::Notify};
use tower::ServiceBuilder;

/// The peer address of the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// Closes the connection a request came on, without a response.
#[derive(Debug, Clone)]
pub(crate) struct Hangup(Arc<Notify>);

impl Hangup {
    pub(crate) async fn now(&self) -> ! {
        self.0.notify_one();
        // The connection task drops this request's future once it sees the signal.
        std::future::pending().await
    }
}

/// Serves `emulator` on a free loopback port, in a task of the current runtime: the address
/// and the task (abort it to stop). For tests, benchmarks and in-process use.
pub async fn spawn_on_loopback(
    emulator: crate::Emulator,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<io::Result<()>>)> {
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(serve(listener, crate::app(Arc::new(emulator))));
    Ok((address, task))
}

/// Serves `app` on `listener` until the task is dropped (HTTP/1.1, keep-alive).
pub async fn serve(listener: TcpListener, app: Router) -> io::Result<()> {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let hangup = Arc::new(Notify::new());
        // Wrap the shared router as a service: `Router::layer` would rebuild every route for
        // each connection.
        let app = ServiceBuilder::new()
            .layer(Extension(Hangup(Arc::clone(&hangup))))
            .layer(Extension(Peer(peer)))
            .service(app.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                }
                () = hangup.notified() => {}
            }
        });
    }
}
