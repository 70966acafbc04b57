//! One connection of the demo shop: reading and parsing request heads with
//! `httparse`, keep-alive, and handing each request to `routes`. The server
//! (`server`) owns listeners, counters and shutdown.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::task::TaskTracker;

use super::routes;
use super::state::{InFlight, Shared};

/// Request heads larger than this are refused.
const MAX_HEAD: usize = 64 * 1024;
/// Request bodies larger than this are refused (the shop only serves GET/HEAD).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// The parts of a request head the routes need, owned so the read buffer is free.
pub(super) struct Request {
    pub head_only: bool,
    /// Path and query, origin-form.
    pub target: String,
    /// The client asked for (or its HTTP version implies) `Connection: close`.
    pub close: bool,
    /// Every header as received, kept only for `/headers` and `/robots.txt`
    /// (which record them) so other routes allocate nothing for them.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub(super) fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }
    /// Value of query parameter `name`, if present.
    pub(super) fn query(&self, name: &str) -> Option<&str> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then_some(v)
        })
    }
    pub(super) fn query_u64(&self, name: &str) -> Option<u64> {
        self.query(name)?.parse().ok()
    }
}

/// What the connection does after a response.
pub(super) enum Flow {
    KeepAlive,
    /// Close cleanly (FIN).
    Close,
    /// Drop the socket as is (after `/reset` set a zero linger: RST).
    Abort,
}

pub(super) async fn accept_loop(
    shared: Arc<Shared>,
    index: usize,
    listener: TcpListener,
    tasks: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            _ = shared.cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                shared.count_connection();
                let _ = stream.set_nodelay(true);
                tasks.spawn(connection(Arc::clone(&shared), index, stream));
            }
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("demo shop accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Serves one connection until it closes, the shop stops, or a handler
/// panics (recorded, so `BackgroundShop`'s drop can fail the test).
async fn connection(shared: Arc<Shared>, listener: usize, stream: TcpStream) {
    let cancel = shared.cancel.clone();
    let served = AssertUnwindSafe(serve(&shared, listener, stream)).catch_unwind();
    tokio::select! {
        _ = cancel.cancelled() => {}
        result = served => {
            if let Err(payload) = result {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic".to_string());
                shared.record_panic(message);
            }
        }
    }
}

/// Parses a request head out of `buf`, reading more as needed.
enum Head {
    Request(Request, usize),
    /// The client closed (or failed) between requests.
    Gone,
    /// Unparsable or too large: answer 400/431 and close.
    Bad(u16),
}

async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Head {
    loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(len)) => return parse_request(&req, len),
                Ok(httparse::Status::Partial) => {}
                Err(_) => return Head::Bad(400),
            }
        }
        if buf.len() >= MAX_HEAD {
            return Head::Bad(431);
        }
        buf.reserve(4096);
        match stream.read_buf(buf).await {
            Ok(0) | Err(_) => return Head::Gone,
            Ok(_) => {}
        }
    }
}

fn parse_request(req: &httparse::Request<'_, '_>, len: usize) -> Head {
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Head::Bad(400);
    };
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Head::Bad(405),
    };
    let mut close = version == 0;
    let mut body_len = 0usize;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
            if v.contains("close") {
                close = true;
            } else if v.contains("keep-alive") {
                close = false;
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            match std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
            {
                Some(n) if n <= MAX_REQUEST_BODY => body_len = n,
                _ => return Head::Bad(400),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Head::Bad(400);
        }
    }
    // Absolute-form targets (proxies) are served by their path.
    let target = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    if !target.starts_with('/') {
        return Head::Bad(400);
    }
    let headers = if matches!(target.split('?').next(), Some("/headers" | "/robots.txt")) {
        req.headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(h.value).into_owned();
                (h.name.to_ascii_lowercase(), value)
            })
            .collect()
    } else {
        Vec::new()
    };
    Head::Request(
        Request {
            head_only,
            target: target.to_string(),
            close,
            headers,
        },
        len + body_len,
    )
}

async fn serve(shared: &Shared, listener: usize, mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(4096);
    let mut out = Vec::with_capacity(4096);
    loop {
        let (request, consumed) = match read_head(&mut stream, &mut buf).await {
            Head::Request(r, consumed) => (r, consumed),
            Head::Gone => return,
            Head::Bad(status) => {
                let _in_flight = InFlight::enter(shared, listener);
                let _ = routes::send_error(&mut stream, &mut out, status).await;
                let _ = stream.shutdown().await;
                return;
            }
        };
        // A (small, bounded) request body may still be arriving: discard it.
        while buf.len() < consumed {
            buf.reserve(consumed - buf.len());
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        buf.drain(..consumed);
        let _in_flight = InFlight::enter(shared, listener);
        shared.count_hit(request.path());
        // The slot is held through the latency wait and the response, as a
        // worker of a real server would be; it is freed before the next read.
        let served = match shared.serve_slot().await {
            Some(_slot) => routes::respond(shared, &request, &mut stream, &mut out).await,
            None => routes::send_busy(&mut stream, &mut out, &request).await,
        };
        match served {
            Ok(Flow::KeepAlive) if !request.close => {}
            Ok(Flow::KeepAlive | Flow::Close) => {
                let _ = stream.shutdown().await;
                return;
            }
            Ok(Flow::Abort) | Err(_) => return,
        }
    }
}
