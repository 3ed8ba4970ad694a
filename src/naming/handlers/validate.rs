//! "Validate names": paste names (or upload a .txt/.csv file), pick a rule's
//! field, and see for each name whether it conforms, which part fails and
//! why, and the values recognised — as a paged table or a CSV report.
//!
//! The form posts as multipart (a file can ride along, and 10,000 names are
//! more than the 256 KiB urlencoded limit), with the CSRF token in the
//! action URL; a small urlencoded post works too. Paging re-posts the same
//! form (the names stay in the textarea): parsing 10,000 names takes the core
//! a few hundredths of a second, so nothing is stored between pages. The
//! input is bounded before any parsing (names, bytes, characters per name,
//! parts per field) and each name's search has a step budget.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::parts::{today, RuleParts};
use crate::naming::rules::{self, names};
use crate::web::{self as w, Ctx, FormErrors, Member, PageCtx};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/validate", web::get().to(show))
        .route("/validate", web::post().to(run));
}

/// Rows per page of the result table.
const PER_PAGE: usize = 200;
/// Room for the other fields and multipart headers around the names.
const ENVELOPE: usize = 64 * 1024;

/// What the form sends.
#[derive(Debug, Clone, Default)]
pub struct ValidateForm {
    pub target: String,
    pub names: String,
    pub failing_only: bool,
    pub csv: bool,
    pub page: usize,
}

impl ValidateForm {
    fn set(&mut self, key: &str, value: String) {
        match key {
            "target" => self.target = value,
            "names" => self.names = value,
            "failing_only" => self.failing_only = !value.is_empty(),
            "format" => self.csv = value == "csv",
            "page" => self.page = value.trim().parse().unwrap_or(1),
            _ => {}
        }
    }
}

/// The result table's view.
pub struct ReportView {
    pub target: String,
    pub total: usize,
    pub conforming: usize,
    pub failing: usize,
    pub kinds: Vec<(&'static str, usize)>,
    pub rows: Vec<names::NameResult>,
    /// Rows after the "only failing" filter.
    pub shown: usize,
    pub page: usize,
    pub pages: usize,
    pub first: usize,
}

impl ReportView {
    pub fn last(&self) -> usize {
        self.first + self.rows.len().saturating_sub(1)
    }
    pub fn page_numbers(&self) -> Vec<usize> {
        (1..=self.pages).collect()
    }
}

#[derive(Template)]
#[template(path = "naming/validate.html")]
struct ValidatePage {
    page: PageCtx,
    slug: String,
    targets: Vec<(String, String)>,
    form: ValidateForm,
    errors: FormErrors,
    report: Option<ReportView>,
    max_names: usize,
}

async fn targets(member: &Member) -> AppResult<Vec<(String, String)>> {
    let m = member.clone();
    let list = web::block(move || m.conn()?.read(names::targets)).await??;
    Ok(list.iter().map(|t| (t.key(), t.label())).collect())
}

fn render(
    ctx: &Ctx,
    member: &Member,
    targets: Vec<(String, String)>,
    form: ValidateForm,
    errors: FormErrors,
    report: Option<ReportView>,
) -> AppResult<HttpResponse> {
    let page = ValidatePage {
        page: ctx.workspace("Validate names", member),
        slug: member.workspace.slug.clone(),
        targets,
        form,
        errors: errors.clone(),
        report,
        max_names: names::MAX_NAMES,
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

/// `GET /validate`.
pub async fn show(ctx: Ctx, member: Member) -> AppResult<HttpResponse> {
    let t = targets(&member).await?;
    render(
        &ctx,
        &member,
        t,
        ValidateForm::default(),
        FormErrors::default(),
        None,
    )
}

fn too_large() -> String {
    format!(
        "That is more than {} MiB: split it into smaller batches.",
        names::MAX_BYTES / (1024 * 1024)
    )
}

/// Reads the form: `Err(message)` when the body is over the limit or unreadable.
async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(ValidateForm, Option<(String, Vec<u8>)>), String> {
    let limit = names::MAX_BYTES + ENVELOPE;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let unreadable = || "The form could not be read; please try again.".to_string();
    let mut form = ValidateForm {
        page: 1,
        ..ValidateForm::default()
    };
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        let mut payload = payload;
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|_| unreadable())?;
        for (k, v) in pairs {
            form.set(&k, v);
        }
        return Ok((form, None));
    }
    let mut parts = Multipart::new(req.headers(), payload);
    let mut used = 0usize;
    let mut file = None;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let name = part.name().unwrap_or("").to_string();
        let filename = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let mut data = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            used += chunk.len();
            if used > limit {
                return Err(too_large());
            }
            data.extend_from_slice(&chunk);
        }
        if name == "file" {
            if let Some(f) = filename.filter(|_| !data.is_empty()) {
                file = Some((f, data));
            }
        } else {
            form.set(&name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    Ok((form, file))
}

/// `POST /validate`: check the names; `format=csv` for the whole report.
pub async fn run(
    ctx: Ctx,
    member: Member,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let targets_list = targets(&member).await?;
    let (mut form, file) = match read_form(&req, payload).await {
        Ok(read) => read,
        Err(message) => {
            let errors = FormErrors::one("names", message);
            return render(
                &ctx,
                &member,
                targets_list,
                ValidateForm::default(),
                errors,
                None,
            );
        }
    };
    let mut errors = FormErrors::default();
    if let Some((filename, bytes)) = file {
        match String::from_utf8(bytes) {
            Ok(text) => {
                let lower = filename.to_ascii_lowercase();
                let list = if lower.ends_with(".csv") {
                    names::names_from_csv(&text)
                } else {
                    Ok(names::names_from_text(&text))
                };
                match list {
                    // The names go back in the textarea: paging re-posts them.
                    Ok(list) => form.names = list.join("\n"),
                    Err(message) => errors.add("file", format!("That CSV file: {message}")),
                }
            }
            Err(_) => errors.add(
                "file",
                "That file is not UTF-8 text: export it as .txt or .csv.",
            ),
        }
    }
    let list = names::names_from_text(&form.names);
    if form.names.len() > names::MAX_BYTES {
        errors.add("names", too_large());
    } else if let Some(message) = names::check_input(&list) {
        errors.add("names", message);
    } else if list.is_empty() && errors.get("file").is_none() {
        errors.add(
            "names",
            "Paste at least one name, one per line, or choose a file.",
        );
    }
    let Some((rule_id, field_id)) = names::parse_key(&form.target) else {
        errors.add("target", "Choose a rule and field to check against.");
        return render(&ctx, &member, targets_list, form, errors, None);
    };
    if !errors.is_empty() {
        return render(&ctx, &member, targets_list, form, errors, None);
    }
    // Load the parts, give the connection back, then parse: parsing never
    // holds a pooled connection or a transaction.
    let m = member.clone();
    let (target, parts) = web::block(move || {
        m.conn()?.read(|c, t| {
            let rule = rules::find(c, t, rule_id)?;
            let field = catalogue::field(c, field_id)?;
            if field.platform_id != rule.platform_id {
                return Err(AppError::NotFound);
            }
            let parts = RuleParts::load(c, t, rule_id)?.core_parts(field_id, today());
            Ok((names::Target { rule, field }.label(), parts))
        })
    })
    .await??;
    if let Some(message) = names::check_parts(&parts) {
        errors.add("target", message);
        return render(&ctx, &member, targets_list, form, errors, None);
    }
    let results = web::block(move || names::check(&parts, &list)).await?;
    if form.csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"names-report.csv\"",
            ))
            .body(names::csv(&results)));
    }
    let report = view(target, results, &form);
    render(&ctx, &member, targets_list, form, errors, Some(report))
}

/// Failing names first (then in input order), filtered and paged.
fn view(target: String, results: Vec<names::NameResult>, form: &ValidateForm) -> ReportView {
    let total = results.len();
    let conforming = results.iter().filter(|r| r.conforms).count();
    let kinds = names::kinds(&results);
    let mut rows: Vec<names::NameResult> = results
        .into_iter()
        .filter(|r| !form.failing_only || !r.conforms)
        .collect();
    rows.sort_by_key(|r| (r.conforms, r.n));
    let shown = rows.len();
    let pages = shown.div_ceil(PER_PAGE).max(1);
    let page = form.page.clamp(1, pages);
    let first = (page - 1) * PER_PAGE;
    let rows: Vec<_> = rows.into_iter().skip(first).take(PER_PAGE).collect();
    ReportView {
        target,
        total,
        conforming,
        failing: total - conforming,
        kinds,
        rows,
        shown,
        page,
        pages,
        first: first + 1,
    }
}
