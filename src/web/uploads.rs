//! File uploads and downloads, for every module that keeps files.
//!
//! An upload streams to a temporary file in the data folder while it is
//! hashed, never past the workspace plan's upload limit (the rest of the body
//! is left unread), and is then renamed to its content address (the module
//! picks the folder; the same file twice is kept once). Only then does the
//! module write its row, so no row ever points at a half file. The type is
//! sniffed from the content (`infer`) and must agree with the file name's
//! extension; images among PNG, JPEG, GIF and WebP are shown inline, every
//! other file is downloaded as an attachment.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpResponse};
use futures_util::{stream, StreamExt};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Bytes gathered before each write to the temporary file.
const WRITE_EVERY: usize = 256 * 1024;
/// The head kept for sniffing the type.
const HEAD: usize = 8 * 1024;
/// Room for the text fields around the file.
const FIELDS_MAX: usize = 64 * 1024;

/// At most this many text fields are kept.
const MAX_FIELDS: usize = 20;
/// Bytes read from disk per chunk of a download.
const CHUNK: usize = 64 * 1024;

/// Types shown inline (never SVG: it can carry scripts).
const INLINE_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Extensions that promise a type `infer` can recognise: a file named so
/// whose content is something else is refused.
const CHECKED_EXTENSIONS: [&str; 12] = [
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "zip", "gz", "mp4", "mp3", "docx", "xlsx",
];

/// What an upload form brought, the file already stored under a temporary name.
#[derive(Debug, Default)]
pub struct Received {
    /// The text fields, in order (the CSRF token among them).
    pub fields: Vec<(String, String)>,
    pub file: Option<Upload>,
}

impl Received {
    /// The first text field of this name, or "".
    pub fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// A file written whole to a temporary path.
#[derive(Debug)]
pub struct Upload {
    pub temp: PathBuf,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
    head: Vec<u8>,
}

/// Why an upload was refused: too large (413) or not acceptable (422).
#[derive(Debug)]
pub enum Refusal {
    TooLarge(String),
    Invalid(String),
}

fn too_large(limit: i64) -> Refusal {
    Refusal::TooLarge(format!(
        "That file is larger than this workspace's upload limit of {} MB.",
        limit / (1024 * 1024)
    ))
}

/// A file name as given, reduced to something safe to show and to send
/// back in a header: its last path segment, no control characters or
/// quotes, at most 200 characters.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// An upload taken whole: the form's text fields, and the file kept at its
/// content address with the type its content shows.
#[derive(Debug)]
pub struct Accepted {
    pub fields: Received,
    pub upload: Upload,
    pub content_type: String,
    pub is_image: bool,
}

impl Refusal {
    /// The status a refused upload answers with: 413 or 422.
    pub fn status(&self) -> actix_web::http::StatusCode {
        match self {
            Refusal::TooLarge(_) => actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Invalid(_) => actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// What the person reads beside the file field.
    pub fn message(self) -> String {
        match self {
            Refusal::TooLarge(m) | Refusal::Invalid(m) => m,
        }
    }
}

/// The whole upload of one form: reads it within `limit`, requires a file,
/// checks its type against its name, and keeps it as `blob_dir/<sha256>`
/// (a refused file leaves nothing behind). The caller writes its row after.
pub async fn accept(
    req: &actix_web::HttpRequest,
    parts: Multipart,
    data: PathBuf,
    limit: i64,
    blob_dir: PathBuf,
) -> Result<Result<Accepted, Refusal>, AppError> {
    let mut fields = match receive(declared_length(req), parts, data, limit).await {
        Ok(r) => r,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(upload) = fields.file.take() else {
        return Ok(Err(Refusal::Invalid("Choose a file to attach.".into())));
    };
    let (content_type, is_image) = match check_type(&upload) {
        Ok(found) => found,
        Err(message) => {
            web::block(move || discard(&upload)).await?;
            return Ok(Err(Refusal::Invalid(message)));
        }
    };
    let upload = web::block(move || keep(&blob_dir.join(&upload.sha256), &upload).map(|_| upload))
        .await?
        .map_err(|e| AppError::internal(format!("upload not kept: {e}")))?;
    Ok(Ok(Accepted {
        fields,
        upload,
        content_type,
        is_image,
    }))
}

/// The request's declared body length, if it says one (an upload far past
/// the limit is refused before a byte is read).
pub fn declared_length(req: &actix_web::HttpRequest) -> Option<u64> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Reads a multipart form: its text fields and one `file`, which streams to a temporary file (hashed as it goes) and stops
/// at `limit` bytes. A declared length far past the limit is refused first.
pub async fn receive(
    declared: Option<u64>,
    mut parts: Multipart,
    data: PathBuf,
    limit: i64,
) -> Result<Received, Refusal> {
    let unreadable =
        || Refusal::Invalid("The upload could not be read; choose the file again.".into());
    if declared.is_some_and(|n| n as i64 > limit + FIELDS_MAX as i64) {
        return Err(too_large(limit));
    }
    let mut out = Received::default();
    let mut field_bytes = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let name = part.name().unwrap_or_default().to_string();
        if name == "file" && out.file.is_none() {
            let filename = part
                .content_disposition()
                .and_then(|d| d.get_filename().map(clean_filename))
                .unwrap_or_else(|| "file".into());
            let upload = stream_file(&mut part, &data, filename, limit).await?;
            out.file = upload;
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            field_bytes += chunk.len();
            if field_bytes > FIELDS_MAX {
                return Err(Refusal::Invalid(
                    "The text sent with the file is too long.".into(),
                ));
            }
            value.extend_from_slice(&chunk);
        }
        if out.fields.len() < MAX_FIELDS {
            out.fields
                .push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    Ok(out)
}

/// Streams one part to a temporary file; `None` for an empty part (no file
/// chosen).
async fn stream_file(
    part: &mut actix_multipart::Field,
    data: &Path,
    filename: String,
    limit: i64,
) -> Result<Option<Upload>, Refusal> {
    let failed = |e: String| {
        tracing::error!(error = %e, "attachment not stored");
        Refusal::Invalid("The file could not be stored; please try again.".into())
    };
    let dir = crate::files::upload_temp_dir(data);
    let temp = dir.join(format!("{}.part", uuid::Uuid::now_v7()));
    let (d, p) = (dir.clone(), temp.clone());
    let file = web::block(move || {
        crate::files::create_private_dir_all(&d)?;
        crate::files::private_file_options()
            .write(true)
            .create_new(true)
            .open(&p)
    })
    .await
    .map_err(|e| failed(e.to_string()))?
    .map_err(|e| failed(e.to_string()))?;
    let mut file = Some(file);
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut size: i64 = 0;
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_EVERY);
    let outcome: Result<(), Refusal> = async {
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| {
                Refusal::Invalid("The upload was cut off; choose the file again.".into())
            })?;
            size += chunk.len() as i64;
            if size > limit {
                return Err(too_large(limit));
            }
            if head.len() < HEAD {
                let take = (HEAD - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            buf.extend_from_slice(&chunk);
            if buf.len() >= WRITE_EVERY {
                file = Some(
                    write_out(file.take(), std::mem::take(&mut buf))
                        .await
                        .map_err(failed)?,
                );
            }
        }
        if !buf.is_empty() {
            file = Some(
                write_out(file.take(), std::mem::take(&mut buf))
                    .await
                    .map_err(failed)?,
            );
        }
        Ok(())
    }
    .await;
    let finished = file.take();
    let p = temp.clone();
    let synced = web::block(move || -> std::io::Result<()> {
        if let Some(f) = finished {
            f.sync_all()?;
        }
        Ok(())
    })
    .await;
    if outcome.is_err() || size == 0 || !matches!(synced, Ok(Ok(()))) {
        let _ = web::block(move || std::fs::remove_file(p)).await;
        outcome?;
        if size == 0 {
            return Ok(None);
        }
        return Err(failed("sync failed".into()));
    }
    Ok(Some(Upload {
        temp,
        filename,
        size,
        sha256: hex::encode(hasher.finalize()),
        head,
    }))
}

async fn write_out(file: Option<std::fs::File>, bytes: Vec<u8>) -> Result<std::fs::File, String> {
    let mut f = file.ok_or_else(|| "no file".to_string())?;
    web::block(move || f.write_all(&bytes).map(|_| f))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// The type the content shows, checked against the name: (content type,
/// shown inline). A name that promises a type the content is not is refused.
pub fn check_type(up: &Upload) -> Result<(String, bool), String> {
    let ext = Path::new(&up.filename)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let sniffed = infer::get(&up.head);
    let same = |a: &str, b: &str| a == b || matches!((a, b), ("jpg", "jpeg") | ("jpeg", "jpg"));
    match sniffed {
        Some(kind) => {
            if !ext.is_empty()
                && CHECKED_EXTENSIONS.contains(&ext.as_str())
                && !same(&ext, kind.extension())
            {
                return Err(format!(
                    "“{}” is named .{ext} but its content is {} (.{}): rename it or choose the right file.",
                    up.filename,
                    kind.mime_type(),
                    kind.extension()
                ));
            }
            let mime = kind.mime_type();
            Ok((mime.to_string(), INLINE_IMAGES.contains(&mime)))
        }
        None if CHECKED_EXTENSIONS.contains(&ext.as_str()) => Err(format!(
            "“{}” is named .{ext} but its content is not a .{ext} file.",
            up.filename
        )),
        None => Ok(("application/octet-stream".into(), false)),
    }
}

/// Moves the temporary file to `target`, its content address (blocking).
/// When the same content is already stored, the copy is simply removed.
pub fn keep(target: &Path, up: &Upload) -> std::io::Result<()> {
    if target.exists() {
        return std::fs::remove_file(&up.temp);
    }
    if let Some(dir) = target.parent() {
        crate::files::create_private_dir_all(dir)?;
    }
    std::fs::rename(&up.temp, target)
}

/// Stores `bytes` whole as an upload named `filename` (blocking), at the
/// content address `blob_dir/<sha256>`: for demo data, which has no request
/// to stream from.
pub fn store_bytes(
    data: &Path,
    blob_dir: &Path,
    filename: &str,
    bytes: &[u8],
) -> std::io::Result<Upload> {
    let dir = crate::files::upload_temp_dir(data);
    crate::files::create_private_dir_all(&dir)?;
    let temp = dir.join(format!("{}.part", uuid::Uuid::now_v7()));
    let mut f = crate::files::private_file_options()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    let up = Upload {
        temp,
        filename: clean_filename(filename),
        size: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(bytes)),
        head: bytes[..bytes.len().min(HEAD)].to_vec(),
    };
    keep(&blob_dir.join(&up.sha256), &up)?;
    Ok(up)
}

/// Removes a temporary file nobody will keep (blocking; best effort).
pub fn discard(up: &Upload) {
    if let Err(e) = std::fs::remove_file(&up.temp) {
        tracing::warn!(error = %e, "temporary upload not removed");
    }
}

/// A stored file as a streamed response: its type, length and a
/// `Content-Disposition` (inline for images, an attachment otherwise, with
/// the name in ASCII and in UTF-8). `nosniff` comes from the security
/// headers. A missing blob is a 404.
pub async fn download(
    path: PathBuf,
    filename: &str,
    content_type: &str,
    size: i64,
    inline: bool,
) -> Result<HttpResponse, AppError> {
    let file = web::block(move || std::fs::File::open(path))
        .await?
        .map_err(|_| AppError::NotFound)?;
    let body = stream::unfold(Some(file), |file| async move {
        let mut f = file?;
        let read = web::block(move || {
            let mut buf = vec![0u8; CHUNK];
            let n = f.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, f))
        })
        .await;
        match read {
            Ok(Ok((buf, _))) if buf.is_empty() => None,
            Ok(Ok((buf, f))) => Some((Ok::<_, AppError>(web::Bytes::from(buf)), Some(f))),
            Ok(Err(e)) => Some((
                Err(AppError::internal(format!("reading a file: {e}"))),
                None,
            )),
            Err(e) => Some((
                Err(AppError::internal(format!("reading a file: {e}"))),
                None,
            )),
        }
    });
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: if inline {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: filename.to_string().into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((header::CONTENT_LENGTH, size.to_string()))
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .streaming(body))
}

/// Removes stored files nobody uses any more, after the delete committed
/// (best effort: a file left behind only costs space).
pub async fn forget(paths: Vec<PathBuf>) {
    if paths.is_empty() {
        return;
    }
    let done = web::block(move || {
        for p in paths {
            if let Err(e) = std::fs::remove_file(&p) {
                tracing::warn!(error = %e, "stored file not removed");
            }
        }
    })
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "stored files not removed");
    }
}

/// "1.2 MB", "340 KB", "12 bytes".
pub fn size_text(bytes: i64) -> String {
    let n = bytes as f64;
    if n >= 1_000_000.0 {
        format!("{:.1} MB", n / 1_000_000.0)
    } else if n >= 1_000.0 {
        format!("{:.0} KB", n / 1_000.0)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, head: &[u8]) -> Upload {
        Upload {
            temp: PathBuf::new(),
            filename: name.into(),
            size: head.len() as i64,
            sha256: String::new(),
            head: head.to_vec(),
        }
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn names_are_reduced_to_a_safe_last_segment() {
        assert_eq!(clean_filename("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b;c\n.txt"), "abc.txt");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename(""), "file");
    }

    #[test]
    fn the_content_decides_the_type_and_must_match_the_name() {
        assert_eq!(
            check_type(&upload("logo.png", PNG)),
            Ok(("image/png".into(), true))
        );
        assert!(check_type(&upload("logo.jpg", PNG)).is_err());
        assert!(check_type(&upload("fake.pdf", b"just some text")).is_err());
        assert_eq!(
            check_type(&upload("notes.txt", b"just some text")),
            Ok(("application/octet-stream".into(), false))
        );
        // A PNG under a name that promises nothing is still an image.
        assert_eq!(
            check_type(&upload("screenshot", PNG)),
            Ok(("image/png".into(), true))
        );
    }
}
