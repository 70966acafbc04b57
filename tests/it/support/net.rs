//! Real-network stand-ins on loopback: a test CA with a server certificate
//! for 127.0.0.1 (made fresh by `rcgen` for each test), a TLS terminator in
//! front of the demo shop, and a small forward proxy (absolute-form HTTP and
//! CONNECT tunnels) that counts what passed through it.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio_rustls::rustls;
use tokio_util::sync::CancellationToken;

/// A CA and a leaf certificate it signed for `127.0.0.1` and `localhost`.
pub struct TestCa {
    pub dir: tempfile::TempDir,
    /// The CA certificate as PEM, for `--cacert`.
    pub ca_pem: PathBuf,
    leaf_der: Vec<u8>,
    leaf_key_der: Vec<u8>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "scrape test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).expect("self-sign ca");
        let issuer = Issuer::new(ca, ca_key);

        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut leaf =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("leaf params");
        leaf.distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("sign leaf");

        let dir = tempfile::tempdir().expect("temp dir");
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, ca_cert.pem()).expect("write ca.pem");
        TestCa {
            dir,
            ca_pem,
            leaf_der: leaf_cert.der().to_vec(),
            leaf_key_der: leaf_key.serialize_der(),
        }
    }

    pub fn ca_path(&self) -> &str {
        self.ca_pem.to_str().expect("temp paths are UTF-8")
    }

    fn server_config(&self) -> rustls::ServerConfig {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.leaf_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key_der.clone())),
            )
            .expect("server certificate")
    }
}

/// Terminates TLS on its own port and forwards the plain bytes to `backend`
/// (the demo shop), one backend connection per client connection.
pub struct TlsFront {
    pub addr: SocketAddr,
    handshakes: Arc<AtomicU64>,
    cancel: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsFront {
    pub fn start(ca: &TestCa, backend: SocketAddr) -> TlsFront {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(ca.server_config()));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind tls front");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let handshakes = Arc::new(AtomicU64::new(0));
        let cancel = CancellationToken::new();
        let (count, stop) = (Arc::clone(&handshakes), cancel.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let stream = tokio::select! {
                        _ = stop.cancelled() => return,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => continue,
                        },
                    };
                    let (acceptor, count) = (acceptor.clone(), Arc::clone(&count));
                    tokio::spawn(async move {
                        // A client that rejects our certificate aborts here.
                        let Ok(mut tls) = acceptor.accept(stream).await else {
                            return;
                        };
                        count.fetch_add(1, Ordering::SeqCst);
                        if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                        }
                    });
                }
            });
        });
        TlsFront {
            addr,
            handshakes,
            cancel,
            thread: Some(thread),
        }
    }

    /// `https://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// TLS handshakes that completed (a rejected certificate completes none).
    pub fn handshakes(&self) -> u64 {
        self.handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A forward proxy on loopback: absolute-form requests (`GET http://…`) are
/// passed on to their origin as they are, `CONNECT host:port` opens a tunnel.
/// Only loopback origins are reached; others get a 403.
pub struct ForwardProxy {
    pub addr: SocketAddr,
    forwarded: Arc<AtomicU64>,
    tunnels: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ForwardProxy {
    pub fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("local addr");
        let forwarded = Arc::new(AtomicU64::new(0));
        let tunnels = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, t, s) = (
            Arc::clone(&forwarded),
            Arc::clone(&tunnels),
            Arc::clone(&stop),
        );
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (f, t) = (Arc::clone(&f), Arc::clone(&t));
                std::thread::spawn(move || {
                    let _ = proxy_connection(conn, &f, &t);
                });
            }
        });
        ForwardProxy {
            addr,
            forwarded,
            tunnels,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Client connections whose first request was absolute-form HTTP.
    pub fn forwarded(&self) -> u64 {
        self.forwarded.load(Ordering::SeqCst)
    }

    /// CONNECT tunnels opened.
    pub fn tunnels(&self) -> u64 {
        self.tunnels.load(Ordering::SeqCst)
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves one client connection: reads the first request head, opens the
/// upstream it names, then relays bytes both ways until either side closes.
/// Later keep-alive requests on the connection go to the same origin, which
/// is all a single-origin test needs.
fn proxy_connection(
    mut client: TcpStream,
    forwarded: &AtomicU64,
    tunnels: &AtomicU64,
) -> io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut first = text.split("\r\n").next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let (authority, tunnel) = if method == "CONNECT" {
        (target.to_string(), true)
    } else if let Some(rest) = target.strip_prefix("http://") {
        (rest.split('/').next().unwrap_or("").to_string(), false)
    } else {
        client.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")?;
        return Ok(());
    };
    if !authority.starts_with("127.0.0.1:") {
        client.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")?;
        return Ok(());
    }
    let mut upstream = TcpStream::connect(&authority)?;
    if tunnel {
        tunnels.fetch_add(1, Ordering::SeqCst);
        client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    } else {
        forwarded.fetch_add(1, Ordering::SeqCst);
        upstream.write_all(&head)?;
    }
    let (mut c2, mut u2) = (client.try_clone()?, upstream.try_clone()?);
    let up = std::thread::spawn(move || {
        let _ = io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = up.join();
    Ok(())
}
