//! Email through `lettre`: plain SMTP to a local relay, STARTTLS or implicit
//! TLS to a mail provider (through the OpenSSL the build already vendors),
//! messages built with proper headers. Used through jobs (`email.send`, the
//! account outbox) so that sending retries.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::{Message, SmtpTransport, Transport};

/// An email to send.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// How long one SMTP command may take before the attempt fails (and the job
/// retries later).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks `ATRIUM_SMTP_URL` at start-up, so a typo stops the server with a
/// clear message instead of failing every email later:
/// `smtp://[user:pass@]host[:port]` (plain, port 25: a local relay),
/// `smtp://…?tls=required` (STARTTLS required, port 587),
/// `smtp://…?tls=opportunistic` (STARTTLS when offered, port 587),
/// `smtps://…` (implicit TLS, port 465). The message never repeats the URL,
/// which may carry a password.
pub fn parse_url(url: &str) -> Result<(), String> {
    transport(url).map(|_| ())
}

fn transport(url: &str) -> Result<SmtpTransport, String> {
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err("ATRIUM_SMTP_URL must start with smtp:// or smtps://".into());
    }
    let builder = SmtpTransport::from_url(url).map_err(|e| {
        format!(
            "ATRIUM_SMTP_URL is not a usable SMTP address ({e}); use \
             smtp://[user:pass@]host[:port], smtp://…?tls=required or smtps://…"
        )
    })?;
    Ok(builder.timeout(Some(COMMAND_TIMEOUT)).build())
}

/// Builds the message: UTF-8 plain text, encoded as its content needs,
/// with Date and Message-ID set.
fn message(from: &str, email: &Email) -> Result<Message, String> {
    let from: lettre::message::Mailbox = from
        .parse()
        .map_err(|e| format!("bad sender address {from:?}: {e}"))?;
    let to = email
        .to
        .parse()
        .map_err(|e| format!("bad recipient address {:?}: {e}", email.to))?;
    // The Message-ID names the sender's domain, as RFC 5322 suggests.
    let domain = email_domain(&from);
    Message::builder()
        .message_id(Some(format!(
            "<{}@{domain}>",
            uuid::Uuid::now_v7().simple()
        )))
        .from(from)
        .to(to)
        .subject(email.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(email.body.clone())
        .map_err(|e| format!("the email could not be built: {e}"))
}

fn email_domain(mailbox: &lettre::message::Mailbox) -> String {
    mailbox.email.domain().to_string()
}

/// Sends one email through the server at `url`.
pub fn send(url: &str, from: &str, email: &Email) -> Result<(), String> {
    let message = message(from, email)?;
    transport(url)?
        .send(&message)
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
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
    fn every_documented_smtp_url_form_is_accepted() {
        for url in [
            "smtp://localhost",
            "smtp://relay.internal:2525",
            "smtp://mailer:s%40cret@mail.example.com:587?tls=required",
            "smtp://mail.example.com?tls=opportunistic",
            "smtps://mailer:secret@mail.example.com",
            "smtps://mail.example.com:2465",
        ] {
            assert_eq!(parse_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn a_bad_smtp_url_is_refused_without_repeating_its_password() {
        for url in [
            "http://mail.example.com",
            "mail.example.com",
            "smtp://user:hunter2@mail.example.com?tls=sometimes",
            "smtp://user:hunter2@:25",
        ] {
            let err = parse_url(url).expect_err(url);
            assert!(err.contains("ATRIUM_SMTP_URL"), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{url}: {err}");
        }
    }

    #[test]
    fn messages_carry_utf8_subjects_and_their_headers() {
        let mail = Email {
            to: "bob@example.com".into(),
            subject: "Einladung — Acme".into(),
            body: "Hallo Bob — hier ist der Link.".into(),
        };
        let raw = String::from_utf8(
            message("atrium@example.com", &mail)
                .expect("built")
                .formatted(),
        )
        .expect("ascii on the wire");
        assert!(raw.contains("To: bob@example.com"));
        assert!(raw.contains("Subject: Einladung =?utf-8?"), "{raw}");
        assert!(
            raw.contains("Message-ID: <") && raw.contains("Date: "),
            "{raw}"
        );
        assert!(message("not an address", &mail).is_err());
    }
}
