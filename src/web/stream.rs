//! Downloads streamed a page at a time (`stream::unfold` over one short read
//! transaction per page on the blocking pool), generic so an export only says
//! how to read and encode one page: the admin list and audit CSV exports, the
//! workspace audit CSV and the naming strings CSV/JSON. The next page is read
//! only when the client has taken the last one, so memory stays at one page
//! however many rows there are.

use std::sync::Arc;

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::stream::{self, Stream, StreamExt};

use crate::error::{AppError, AppResult};

enum Step<C> {
    Head,
    Page(Option<C>),
    Tail,
    Done,
}

/// A response body: `head`, then the encoded pages, then `tail`.
///
/// `page(cursor)` runs on the blocking pool (open its own short transaction
/// there); it gets `None` for the first page and returns the page's bytes and
/// the cursor of the next page (`None` when this was the last). An error ends
/// the body (the client sees a cut-off download, not a half-valid file).
pub fn paged_body<C, F>(
    head: String,
    tail: String,
    page: F,
) -> impl Stream<Item = Result<Bytes, AppError>> + 'static
where
    C: Send + 'static,
    F: Fn(Option<C>) -> AppResult<(String, Option<C>)> + Send + Sync + 'static,
{
    let page = Arc::new(page);
    let head = Bytes::from(head);
    let tail = Bytes::from(tail);
    stream::unfold(Step::Head, move |step| {
        let page = Arc::clone(&page);
        let (head, tail) = (head.clone(), tail.clone());
        async move {
            match step {
                Step::Head => Some((Ok(head), Step::Page(None))),
                Step::Page(cursor) => match web::block(move || page(cursor)).await {
                    Ok(Ok((text, next))) => Some((
                        Ok(Bytes::from(text)),
                        next.map_or(Step::Tail, |c| Step::Page(Some(c))),
                    )),
                    Ok(Err(e)) => Some((Err(e), Step::Done)),
                    Err(e) => Some((Err(e.into()), Step::Done)),
                },
                Step::Tail => Some((Ok(tail), Step::Done)),
                Step::Done => None,
            }
        }
    })
    // An empty chunk is no use to the client; skip it.
    .filter(|r| std::future::ready(!matches!(r, Ok(b) if b.is_empty())))
}

/// A streamed download: `body` (usually a [`paged_body`]) as an attachment
/// named `name`.
pub fn attachment(
    content_type: &str,
    name: &str,
    body: impl Stream<Item = Result<Bytes, AppError>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(body)
}
