//! What the shop answers on each path: product pages, status codes, retries,
//! redirects, charsets and the fault routes (hang, drip, huge, bomb,
//! truncated, reset). The route list is in `server`'s module doc.
//!
//! Handlers write to the socket themselves because several faults are about
//! *how* bytes go out. None may panic on any input: numbers are parsed with
//! fallbacks and unknown paths are 404s.

use std::io::{self, Write as _};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use super::connection::{Flow, Request};
use super::pages;
use super::server::RobotsTxt;
use super::state::{CachedPage, Shared};

const MIB: u64 = 1024 * 1024;

/// Answers one request. `out` is the connection's reusable response buffer.
pub(super) async fn respond(
    shared: &Shared,
    req: &Request,
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
) -> io::Result<Flow> {
    let path = req.path();
    // Streaming faults first: they do their own timing.
    match path {
        "/hang" => return hang(stream).await,
        "/drip" => return drip(req, stream, out).await,
        "/huge" => return huge(req, stream, out, true).await,
        "/huge-nolen" => return huge(req, stream, out, false).await,
        "/bomb" => {
            let body = bomb();
            let head =
                Head::new(200, "text/html; charset=utf-8").header("Content-Encoding", "gzip");
            return send(stream, out, req, head, body).await;
        }
        "/truncated" => return truncated(req, stream, out).await,
        "/reset" => {
            // A zero linger turns close() into an RST instead of a FIN.
            stream.set_zero_linger()?;
            return Ok(Flow::Abort);
        }
        _ => {}
    }
    // A static file, answered at once as a CDN would: the configured page
    // latency models rendering product pages, and charging it here too
    // would add a round trip to every timed demo and bench run.
    if path == "/robots.txt" {
        shared.record_headers(path, req.headers.clone());
        return match shared.robots() {
            RobotsTxt::Body(body) => {
                let head = Head::new(200, "text/plain; charset=utf-8");
                send(stream, out, req, head, body.as_bytes()).await
            }
            RobotsTxt::Status(code) => send_status(stream, out, req, *code).await,
        };
    }
    let delay = shared.delay(req.query_u64("delay_ms"));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(n) = path.strip_prefix("/product/") {
        return match n.parse::<u64>() {
            Ok(n) => send_page(stream, out, req, &shared.page(n)).await,
            Err(_) => send_error(stream, out, 404).await.map(|_| Flow::KeepAlive),
        };
    }
    if let Some(code) = path.strip_prefix("/status/") {
        let status = code
            .parse::<u16>()
            .ok()
            .filter(|c| (200..=599).contains(c))
            .unwrap_or(400);
        return send_status(stream, out, req, status).await;
    }
    if let Some(key) = path.strip_prefix("/flaky/") {
        if shared.flaky_count("503", key) < 2 {
            return send_status(stream, out, req, 503).await;
        }
        return send_page(stream, out, req, &shared.page(key_page(key))).await;
    }
    if let Some(key) = path.strip_prefix("/flaky429/") {
        if shared.flaky_count("429", key) < 1 {
            let head = Head::new(429, "text/html; charset=utf-8").header("Retry-After", "1");
            return send(stream, out, req, head, &status_body(429)).await;
        }
        return send_page(stream, out, req, &shared.page(key_page(key))).await;
    }
    if let Some(n) = path.strip_prefix("/redirect/") {
        let location = match n.parse::<u64>() {
            Ok(0) => "/product/1".to_string(),
            Ok(n) => format!("/redirect/{}", n - 1),
            Err(_) => return send_status(stream, out, req, 404).await,
        };
        return redirect(stream, out, req, &location).await;
    }
    if let Some(label) = path.strip_prefix("/charset/") {
        return charset(stream, out, req, label, true).await;
    }
    if let Some(label) = path.strip_prefix("/charset-meta/") {
        return charset(stream, out, req, label, false).await;
    }
    match path {
        "/" => {
            send(
                stream,
                out,
                req,
                Head::new(200, "text/html; charset=utf-8"),
                index(),
            )
            .await
        }
        "/429" => {
            let secs = req.query_u64("retry_after").unwrap_or(1).to_string();
            let head = Head::new(429, "text/html; charset=utf-8").header("Retry-After", &secs);
            send(stream, out, req, head, &status_body(429)).await
        }
        "/redirect-loop" => redirect(stream, out, req, "/redirect-loop").await,
        "/redirect-file" => redirect(stream, out, req, "file:///etc/passwd").await,
        "/not-html" => {
            let body = b"{\"name\":\"Not a page\",\"price\":\"12.99\",\"currency\":\"USD\"}";
            send(stream, out, req, Head::new(200, "application/json"), body).await
        }
        "/image.png" => send(stream, out, req, Head::new(200, "image/png"), PNG).await,
        "/bad-charset" => send_generated(stream, out, req, &pages::bad_charset_page()).await,
        "/bom" => send_generated(stream, out, req, &pages::bom_page()).await,
        "/headers" => {
            shared.record_headers("/headers", req.headers.clone());
            send_page(stream, out, req, &shared.page(1)).await
        }
        _ => send_status(stream, out, req, 404).await,
    }
}

/// `/flaky/42` recovers to product page 42; non-numeric keys to page 1.
fn key_page(key: &str) -> u64 {
    key.parse().unwrap_or(1)
}

/// A response head under construction (status, type and extra headers).
pub(super) struct Head<'a> {
    status: u16,
    content_type: &'a str,
    extra: Vec<(&'static str, &'a str)>,
}

impl<'a> Head<'a> {
    fn new(status: u16, content_type: &'a str) -> Self {
        Head {
            status,
            content_type,
            extra: Vec::new(),
        }
    }
    fn header(mut self, name: &'static str, value: &'a str) -> Self {
        self.extra.push((name, value));
        self
    }
    /// Writes the head; `len: None` omits Content-Length (close-delimited body).
    fn write(&self, out: &mut Vec<u8>, len: Option<usize>, close: bool) {
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nServer: scrape-demo\r\nContent-Type: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type
        );
        if let Some(len) = len {
            let _ = write!(out, "Content-Length: {len}\r\n");
        }
        for (name, value) in &self.extra {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        if close {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// A freshly generated (uncached) page with its own content type.
async fn send_generated(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
    page: &pages::Page,
) -> io::Result<Flow> {
    send(
        stream,
        out,
        req,
        Head::new(200, &page.content_type),
        &page.body,
    )
    .await
}

/// Head and body in one write (one syscall, one TCP segment train).
async fn send(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
    head: Head<'_>,
    body: &[u8],
) -> io::Result<Flow> {
    out.clear();
    // 204 and 304 never carry a body.
    let body = if matches!(head.status, 204 | 304) {
        &[][..]
    } else {
        body
    };
    head.write(out, Some(body.len()), req.close);
    if !req.head_only {
        out.extend_from_slice(body);
    }
    stream.write_all(out).await?;
    // Keep idle connections from pinning a large buffer.
    if out.capacity() > 256 * 1024 {
        *out = Vec::with_capacity(4096);
    }
    Ok(Flow::KeepAlive)
}

async fn send_page(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
    page: &CachedPage,
) -> io::Result<Flow> {
    if !req.close && !req.head_only {
        stream.write_all(&page.response).await?;
        return Ok(Flow::KeepAlive);
    }
    send(
        stream,
        out,
        req,
        Head::new(200, &page.content_type),
        page.body(),
    )
    .await
}

async fn send_status(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
    status: u16,
) -> io::Result<Flow> {
    send(
        stream,
        out,
        req,
        Head::new(status, "text/html; charset=utf-8"),
        &status_body(status),
    )
    .await
}

/// The answer to a request the shop has no capacity for (reject mode).
pub(super) async fn send_busy(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
) -> io::Result<Flow> {
    let head = Head::new(503, "text/html; charset=utf-8").header("Retry-After", "1");
    send(stream, out, req, head, &status_body(503)).await
}

/// For requests that could not be parsed: always closes.
pub(super) async fn send_error(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    status: u16,
) -> io::Result<()> {
    out.clear();
    let body = status_body(status);
    let mut head = Head::new(status, "text/html; charset=utf-8");
    if status == 405 {
        head = head.header("Allow", "GET, HEAD");
    }
    head.write(out, Some(body.len()), true);
    out.extend_from_slice(&body);
    stream.write_all(out).await
}

async fn redirect(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
    location: &str,
) -> io::Result<Flow> {
    let body = format!("<!doctype html><title>Moved</title><a href=\"{location}\">moved here</a>");
    let head = Head::new(302, "text/html; charset=utf-8").header("Location", location);
    send(stream, out, req, head, body.as_bytes()).await
}

async fn charset(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    req: &Request,
    label: &str,
    in_header: bool,
) -> io::Result<Flow> {
    match pages::charset_page(label, in_header) {
        Some(page) => send_generated(stream, out, req, &page).await,
        None => send_status(stream, out, req, 404).await,
    }
}

/// Waits until the client leaves (or the shop stops, via the connection's
/// cancellation); never answers.
async fn hang(stream: &mut TcpStream) -> io::Result<Flow> {
    use tokio::io::AsyncReadExt as _;
    let mut scratch = [0u8; 1024];
    loop {
        match stream.read(&mut scratch).await {
            Ok(0) | Err(_) => return Ok(Flow::Abort),
            Ok(_) => {}
        }
    }
}

/// A valid page of exactly `len` bytes (or the shortest valid page if `len` is
/// smaller), padded inside an HTML comment.
fn padded_page(len: u64, title: &str) -> (Vec<u8>, Vec<u8>, u64) {
    let prefix = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <h1>{title}</h1><p class=\"product-price\">$19.99</p><!--"
    )
    .into_bytes();
    let suffix = b"--></body></html>\n".to_vec();
    let fixed = (prefix.len() + suffix.len()) as u64;
    (prefix, suffix, len.saturating_sub(fixed))
}

async fn drip(req: &Request, stream: &mut TcpStream, out: &mut Vec<u8>) -> io::Result<Flow> {
    let bytes = req.query_u64("bytes").unwrap_or(10_000).min(16 * MIB);
    let every = Duration::from_millis(req.query_u64("every_ms").unwrap_or(200).min(60_000));
    let chunk = req.query_u64("chunk").unwrap_or(10).clamp(1, 64 * 1024) as usize;
    let (prefix, suffix, pad) = padded_page(bytes, "Slow page");
    let mut body = prefix;
    body.resize(body.len() + pad as usize, b' ');
    body.extend_from_slice(&suffix);
    out.clear();
    Head::new(200, "text/html; charset=utf-8").write(out, Some(body.len()), req.close);
    stream.write_all(out).await?;
    if req.head_only {
        return Ok(Flow::KeepAlive);
    }
    for piece in body.chunks(chunk) {
        tokio::time::sleep(every).await;
        stream.write_all(piece).await?;
    }
    Ok(Flow::KeepAlive)
}

async fn huge(
    req: &Request,
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    with_length: bool,
) -> io::Result<Flow> {
    static FILL: [u8; 64 * 1024] = [b' '; 64 * 1024];
    let mb = req.query_u64("mb").unwrap_or(64).clamp(1, 4096);
    let (prefix, suffix, mut pad) = padded_page(mb * MIB, "Huge page");
    out.clear();
    let head = Head::new(200, "text/html; charset=utf-8");
    let len = with_length.then_some((mb * MIB) as usize);
    head.write(out, len, req.close || !with_length);
    if req.head_only {
        stream.write_all(out).await?;
        return Ok(if with_length {
            Flow::KeepAlive
        } else {
            Flow::Close
        });
    }
    out.extend_from_slice(&prefix);
    stream.write_all(out).await?;
    while pad > 0 {
        let n = pad.min(FILL.len() as u64) as usize;
        stream.write_all(&FILL[..n]).await?;
        pad -= n as u64;
    }
    stream.write_all(&suffix).await?;
    Ok(if with_length {
        Flow::KeepAlive
    } else {
        Flow::Close
    })
}

async fn truncated(req: &Request, stream: &mut TcpStream, out: &mut Vec<u8>) -> io::Result<Flow> {
    let (prefix, _, _) = padded_page(0, "Truncated page");
    out.clear();
    Head::new(200, "text/html; charset=utf-8").write(out, Some(50_000), true);
    if !req.head_only {
        out.extend_from_slice(&prefix);
        out.resize(out.len() + 1000usize.saturating_sub(prefix.len()), b' ');
    }
    stream.write_all(out).await?;
    Ok(Flow::Close)
}

/// 256 MiB of spaces inside an HTML comment, gzipped once per process.
///
/// Compressing 256 MiB would take a second, so one 1 MiB chunk is compressed
/// after a full flush (which makes its deflate blocks independent of what came
/// before) and those bytes are repeated; the CRC is computed over the repeats.
pub(super) fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| build_bomb(256)).as_slice()
}

fn build_bomb(chunks: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let prefix = b"<!doctype html><html><head><title>Bomb</title></head><body><!--";
    let suffix = b"--></body></html>\n";
    let chunk = vec![b' '; MIB as usize];
    let mut z = Compress::new(Compression::best(), false);
    let mut deflate = |input: &[u8], flush: FlushCompress| -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() / 100 + 1024);
        let mut consumed = 0;
        loop {
            out.reserve(64 * 1024);
            let before_in = z.total_in();
            // Only fails on a corrupt stream state, which these calls cannot create.
            let _ = z.compress_vec(&input[consumed..], &mut out, flush);
            consumed += (z.total_in() - before_in) as usize;
            if consumed == input.len() && out.len() < out.capacity() {
                return out;
            }
        }
    };
    let head = deflate(prefix, FlushCompress::Full);
    let first = deflate(&chunk, FlushCompress::Full);
    let repeat = deflate(&chunk, FlushCompress::Full);
    let tail = deflate(suffix, FlushCompress::Finish);
    let mut crc = Crc::new();
    crc.update(prefix);
    for _ in 0..chunks {
        crc.update(&chunk);
    }
    crc.update(suffix);
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&head);
    gz.extend_from_slice(&first);
    for _ in 1..chunks {
        gz.extend_from_slice(&repeat);
    }
    gz.extend_from_slice(&tail);
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&crc.amount().to_le_bytes());
    gz
}

#[cfg(test)]
pub(super) fn build_bomb_for_test(chunks: usize) -> Vec<u8> {
    build_bomb(chunks)
}

fn index() -> &'static [u8] {
    static INDEX: OnceLock<Vec<u8>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut s = String::from(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Demo shop</title>\
             </head><body><h1>Demo shop</h1><ul class=\"products\">\n",
        );
        for n in 1..=100 {
            s.push_str(&format!("<li><a href=\"/product/{n}\">Product {n}</a></li>\n"));
        }
        s.push_str("</ul></body></html>\n");
        s.into_bytes()
    })
}

fn status_body(status: u16) -> Vec<u8> {
    format!(
        "<!doctype html><html><head><title>{status} {r}</title></head><body><h1>{status} {r}</h1>\
         </body></html>\n",
        r = reason(status)
    )
    .into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A 1x1 transparent PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];
