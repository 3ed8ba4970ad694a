//! Email: a small SMTP client (plain SMTP with optional AUTH PLAIN, for a
//! local relay), used through the `email.send` job so sending retries.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An email to send.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Parsed `smtp://[user:pass@]host[:port]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub auth: Option<(String, String)>,
}

pub fn parse_url(url: &str) -> Result<SmtpUrl, String> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or("ATRIUM_SMTP_URL must start with smtp://")?;
    let rest = rest.trim_end_matches('/');
    let (auth, hostport) = match rest.rsplit_once('@') {
        Some((userinfo, hp)) => {
            let (u, p) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            (Some((percent_decode(u), percent_decode(p))), hp)
        }
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h.to_string(),
            p.parse().map_err(|_| format!("bad SMTP port {p}"))?,
        ),
        None => (hostport.to_string(), 25),
    };
    if host.is_empty() {
        return Err("ATRIUM_SMTP_URL has no host".into());
    }
    Ok(SmtpUrl { host, port, auth })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

struct Smtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Smtp {
    /// Reads a (possibly multi-line) reply and checks its code.
    fn expect(&mut self, code: &str) -> Result<(), String> {
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .map_err(|e| format!("SMTP read: {e}"))?;
            if n == 0 {
                return Err("SMTP server closed the connection".into());
            }
            if !line.starts_with(code) {
                return Err(format!("SMTP server said: {}", line.trim_end()));
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    }

    fn cmd(&mut self, line: &str, code: &str) -> Result<(), String> {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(|e| format!("SMTP write: {e}"))?;
        self.expect(code)
    }
}

fn clean_header(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// Sends one email through the relay at `url`.
pub fn send(url: &str, from: &str, email: &Email) -> Result<(), String> {
    let u = parse_url(url)?;
    let stream = TcpStream::connect((u.host.as_str(), u.port))
        .map_err(|e| format!("SMTP connect {}:{}: {e}", u.host, u.port))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut s = Smtp {
        reader: BufReader::new(stream),
        writer,
    };
    s.expect("220")?;
    s.cmd("EHLO atrium", "250")?;
    if let Some((user, pass)) = &u.auth {
        let token = base64(format!("\0{user}\0{pass}").as_bytes());
        s.cmd(&format!("AUTH PLAIN {token}"), "235")?;
    }
    s.cmd(&format!("MAIL FROM:<{}>", clean_header(from)), "250")?;
    s.cmd(&format!("RCPT TO:<{}>", clean_header(&email.to)), "25")?;
    s.cmd("DATA", "354")?;
    let body: String = email
        .body
        .replace("\r\n", "\n")
        .split('\n')
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}\r\n")
            } else {
                format!("{l}\r\n")
            }
        })
        .collect();
    let message = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}.",
        clean_header(from),
        clean_header(&email.to),
        clean_header(&email.subject),
        chrono::Utc::now().to_rfc2822(),
        body
    );
    s.cmd(&message, "250")?;
    s.cmd("QUIT", "221")
}

/// The `email.send` job.
pub fn run(ctx: &super::worker::JobCtx) -> Result<(), String> {
    let email: Email = serde_json::from_value(ctx.job.payload.0.clone())
        .map_err(|e| format!("bad payload: {e}"))?;
    let url = ctx
        .config
        .smtp_url
        .as_deref()
        .ok_or("ATRIUM_SMTP_URL is not set")?;
    send(url, &ctx.config.smtp_from, &email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_smtp_urls() {
        assert_eq!(
            parse_url("smtp://mailer:s%40cret@mail.example.com:587").ok(),
            Some(SmtpUrl {
                host: "mail.example.com".into(),
                port: 587,
                auth: Some(("mailer".into(), "s@cret".into()))
            })
        );
        assert_eq!(
            parse_url("smtp://localhost").ok(),
            Some(SmtpUrl {
                host: "localhost".into(),
                port: 25,
                auth: None
            })
        );
        assert!(parse_url("http://x").is_err());
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"\0user\0pass"), "AHVzZXIAcGFzcw==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
