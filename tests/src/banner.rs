//! Reading `rapport serve`'s start banner from its stderr, where it goes with the logs (plain
//! lines, or JSON lines when logs are JSON).

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The banner of a started server.
#[derive(Debug, Clone)]
pub struct Banner {
    /// The banner's lines, as written.
    pub text: String,
    /// `http://host:port`.
    pub address: String,
}

/// Reads `stderr` until the banner's last line ("Stop with Ctrl-C"), then keeps draining it
/// into `log` (which also gets every line read before), so the server never meets a full or
/// closed pipe.
///
/// # Panics
/// When no banner arrives within 60 s, or it names no address.
pub fn read_banner(stderr: impl Read + Send + 'static, log: Arc<Mutex<Vec<u8>>>) -> Banner {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut log) = log.lock() {
                log.extend_from_slice(line.as_bytes());
                log.push(b'\n');
            }
            let _ = tx.send(line);
        }
    });
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !text.contains("Stop with Ctrl-C") {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            Err(_) => panic!("the server did not finish its banner: {text}"),
        }
    }
    let address = text
        .lines()
        .find(|l| l.contains("Rapport is serving GraphQL at"))
        .and_then(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .and_then(|url| url.strip_suffix("/graphql"))
        })
        .unwrap_or_else(|| panic!("the banner names the address: {text}"))
        .to_owned();
    Banner { text, address }
}
