//! Members, roles and invitations (the admin side; the invitee's side is
//! `invitation.rs`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::admin::list::{Bulk, ConfirmPage, ListParams};
use crate::error::{AppError, AppResult};
use crate::jobs::email::Email;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Flash, HxRequest, Keyset, Member, Owner, PageCtx, PageParams, Paginated,
    WorkspaceAdmin,
};
use crate::workspaces::invitations::{self, InvitationId, PendingInvitation};
use crate::workspaces::member_list;
use crate::workspaces::models::{MemberRow, MembershipId, Role};
use crate::workspaces::queries::{self, Actor};
use crate::AppState;

const INVITE_LINK_KEY: &str = "invite_link";

#[derive(Template)]
#[template(path = "workspaces/members.html")]
struct MembersPage {
    page: PageCtx,
    slug: String,
    members: Keyset<MemberRow>,
    p: ListParams,
    seats_used: i64,
    /// Pending invitations (admins only): a second list with its own search
    /// (`inv_q`) and page (`inv_page`).
    invitations: Paginated<PendingInvitation>,
    inv_q: String,
    /// The members list's query, kept by the invitation search form.
    inv_keep: Vec<(String, String)>,
    me: crate::accounts::UserId,
    my_role: Role,
    seat_limit: i32,
    invite_link: Option<String>,
    invite_email: String,
    invite_role: String,
    invite_error: Option<String>,
    roles: Vec<Role>,
    invitable: Vec<Role>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoleForm {
    pub role: String,
}

const PER_PAGE: i64 = 50;
/// Pending invitations per page.
const INVITATIONS_PER_PAGE: i64 = 20;

async fn render_members(
    ctx: &Ctx,
    member: &Member,
    params: ListParams,
    form: InviteForm,
    invite_error: Option<String>,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let admin = member.role.at_least(Role::Admin);
    let p = params.clone();
    let inv_q = params.filter("inv_q").to_string();
    let inv_params = PageParams::new(crate::web::pagination::parse_page(
        params.filter("inv_page"),
    ));
    let q = inv_q.clone();
    let (members, invitations, seats_used) = web::block(move || {
        m.conn()?.read(|c, t| {
            let (mut rows, total) = if admin {
                let offset = inv_params.offset(INVITATIONS_PER_PAGE);
                invitations::pending(c, t, &q, INVITATIONS_PER_PAGE, offset)?
            } else {
                (Vec::new(), 0)
            };
            // Past the end (the last one on the last page was withdrawn): the last page.
            let mut inv_params = inv_params;
            if rows.is_empty() && total > 0 {
                inv_params = PageParams::new(Some(
                    (total + INVITATIONS_PER_PAGE - 1) / INVITATIONS_PER_PAGE,
                ));
                let offset = inv_params.offset(INVITATIONS_PER_PAGE);
                rows = invitations::pending(c, t, &q, INVITATIONS_PER_PAGE, offset)?.0;
            }
            let invitations = Paginated::new(rows, inv_params, INVITATIONS_PER_PAGE, total);
            let page = member_list::member_page(c, t, &p, PER_PAGE)?;
            Ok((page, invitations, queries::seats_used(c, t)?))
        })
    })
    .await??;
    let invite_link = match ctx.session.get::<String>(INVITE_LINK_KEY) {
        Ok(Some(link)) if admin => {
            ctx.session.remove(INVITE_LINK_KEY);
            Some(link)
        }
        _ => None,
    };
    // The members list's search, filters, sort and page stay as they are
    // while the invitations are searched and paged.
    let mut inv_keep: Vec<(String, String)> = params
        .filter_pairs()
        .into_iter()
        .filter(|(k, _)| k != "inv_q" && k != "inv_page")
        .collect();
    if !params.sort.is_empty() {
        inv_keep.push(("sort".into(), params.sort.clone()));
        inv_keep.push((
            "dir".into(),
            if params.desc { "desc" } else { "asc" }.into(),
        ));
    }
    if !params.after.is_empty() {
        inv_keep.push(("after".into(), params.after.clone()));
    } else if !params.before.is_empty() {
        inv_keep.push(("before".into(), params.before.clone()));
    }
    let mut pager_keep: Vec<(&str, &str)> = inv_keep
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pager_keep.push(("inv_q", &inv_q));
    let invitations = invitations
        .in_section("inv_page", "invitations")
        .with_query(&pager_keep);
    let page = MembersPage {
        page: ctx.workspace("Members", member),
        slug: member.workspace.slug.clone(),
        members,
        p: params,
        seats_used,
        invitations,
        inv_q,
        inv_keep,
        me: member.user_id(),
        my_role: member.role,
        seat_limit: member.workspace.seat_limit,
        invite_link,
        invite_email: form.email,
        invite_role: if form.role.is_empty() {
            "member".into()
        } else {
            form.role
        },
        invite_error: invite_error.clone(),
        roles: Role::ALL.to_vec(),
        invitable: Role::INVITABLE.to_vec(),
    };
    if invite_error.is_some() {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let params = ListParams::parse(req.query_string());
    if hx.0 {
        let m = member.clone();
        let p = params.clone();
        let members = web::block(move || {
            m.conn()?
                .read(|c, t| member_list::member_page(c, t, &p, PER_PAGE))
        })
        .await??;
        return w::ok(&MembersTable {
            page: ctx.workspace("Members", &member),
            slug: member.workspace.slug.clone(),
            members,
            me: member.user_id(),
            my_role: member.role,
            roles: Role::ALL.to_vec(),
            p: params,
        });
    }
    render_members(&ctx, &member, params, InviteForm::default(), None).await
}

#[derive(Template)]
#[template(path = "workspaces/_members_table.html")]
struct MembersTable {
    page: PageCtx,
    slug: String,
    members: Keyset<MemberRow>,
    me: crate::accounts::UserId,
    my_role: Role,
    roles: Vec<Role>,
    p: ListParams,
}

/// `GET /w/{slug}/members.csv`: the members matching the list's filter.
pub async fn export_csv(admin: WorkspaceAdmin, req: HttpRequest) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    let m = admin.0.clone();
    let rows =
        web::block(move || m.conn()?.read(|c, t| member_list::member_all(c, t, &p))).await??;
    let mut body = crate::support::csv::line(&["name", "email", "role", "joined"]);
    for r in &rows {
        body.push_str(&crate::support::csv::line(&[
            &r.name,
            &r.email,
            r.role.as_str(),
            &r.joined.to_db_text(),
        ]));
    }
    let name = format!(
        "members-{}-{}.csv",
        admin.workspace.slug,
        chrono::Utc::now().format("%Y%m%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

/// `POST /w/{slug}/members/bulk`: remove, or change the role of, the selected
/// members or every member matching the filter — after a confirmation page
/// that says how many. Your own membership is left out; the owner rules apply.
pub async fn bulk(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let bulk = Bulk::parse(form.into_inner());
    let slug = admin.workspace.slug.clone();
    let back = format!("/w/{slug}/members?{}", bulk.params.filter_query());
    let action = match bulk.action.as_str() {
        "remove" => None,
        other => match other.strip_prefix("role:").and_then(Role::parse) {
            Some(role) => Some(role),
            None => {
                Flash::error(&ctx.session, "Choose an action for the selected members.");
                return Ok(w::redirect(&back));
            }
        },
    };
    let m = admin.0.clone();
    let actor = Actor {
        user: admin.user_id(),
        role: admin.role,
    };
    let b = bulk.clone();
    let outcome = web::block(move || {
        m.conn()?.write(|c, t| {
            let mine = queries::membership_of(c, t, actor.user)?;
            let targets: Vec<MembershipId> = member_list::member_targets(c, t, &b)?
                .into_iter()
                .filter(|id| *id != mine)
                .collect();
            if !b.confirmed {
                return Ok((targets.len(), false));
            }
            for id in &targets {
                match action {
                    None => queries::remove(c, t, actor, *id, &meta)?,
                    Some(role) => queries::change_role(c, t, actor, *id, role, &meta)?,
                }
            }
            Ok((targets.len(), true))
        })
    })
    .await?;
    match outcome {
        Ok((0, _)) => {
            Flash::error(
                &ctx.session,
                "No members were selected (your own membership is never included).",
            );
            Ok(w::redirect(&back))
        }
        Ok((n, true)) => {
            Flash::success(&ctx.session, format!("{n} member(s) updated."));
            Ok(w::redirect(&back))
        }
        Ok((n, false)) => {
            let what = match action {
                None => "Remove".to_string(),
                Some(role) => format!("Make {}", role.label()),
            };
            let which = if bulk.all_matching {
                "every member matching the filter"
            } else {
                "the selected members"
            };
            w::ok(&ConfirmPage {
                admin_nav: false,
                page: ctx.workspace("Confirm", &admin),
                action_url: format!("/w/{slug}/members/bulk"),
                back_url: back,
                question: format!("{what}: {which}?"),
                count: n,
                fields: bulk.hidden_fields(),
            })
        }
        // One transaction: a refused change (e.g. the last owner) changes nothing.
        Err(AppError::Conflict(msg)) | Err(AppError::Forbidden(msg)) => {
            Flash::error(&ctx.session, format!("Nothing changed: {msg}"));
            Ok(w::redirect(&back))
        }
        Err(e) => Err(e),
    }
}

pub async fn invite(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let Some(role) = Role::parse(&form.role) else {
        return render_members(
            &ctx,
            &admin,
            ListParams::default(),
            form,
            Some("Choose a role.".into()),
        )
        .await;
    };
    let m = admin.0.clone();
    let (email, base, smtp) = (
        form.email.clone(),
        state.config.base_url(),
        state.config.smtp_url.is_some(),
    );
    let inviter = admin.user.user.name.clone();
    let ws_name = admin.workspace.name.clone();
    let created = web::block(move || {
        let uid = m.user_id();
        m.conn()?.write(|c, t| {
            let created = invitations::create(c, t, uid, &email, role, &meta)?;
            if let (Ok((_, token)), true) = (&created, smtp) {
                let mail = Email {
                    to: crate::accounts::models::normalize_email(&email),
                    subject: format!("{inviter} invited you to {ws_name} on Atrium"),
                    body: format!(
                        "{inviter} invited you to join the workspace “{ws_name}” as {}.\n\nAccept the invitation (valid for {} days):\n{base}/invite/{token}\n",
                        role.label(),
                        invitations::VALID_DAYS
                    ),
                };
                let payload = serde_json::to_value(&mail).map_err(|e| AppError::internal(e.to_string()))?;
                crate::jobs::enqueue(c, t, "email.send", payload, Some(uid))?;
            }
            Ok(created)
        })
    })
    .await??;
    match created {
        Ok((_, token)) => {
            let link = format!("{}/invite/{token}", state.config.base_url());
            if let Err(e) = ctx.session.insert(INVITE_LINK_KEY, &link) {
                tracing::warn!(error = %e, "could not keep the invitation link in the session");
            }
            let sent = if smtp { " and emailed" } else { "" };
            Flash::success(
                &ctx.session,
                format!(
                    "Invitation for {} created{sent}. Copy the link below to share it.",
                    form.email.trim()
                ),
            );
            Ok(w::redirect(&format!("/w/{}/members", admin.workspace.slug)))
        }
        Err(message) => {
            render_members(&ctx, &admin, ListParams::default(), form, Some(message)).await
        }
    }
}

pub async fn revoke_invitation(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, InvitationId)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (_, id) = path.into_inner();
    admin
        .write(move |c, t, uid| invitations::revoke(c, t, uid, id, &meta))
        .await?;
    Flash::success(&ctx.session, "Invitation withdrawn.");
    // Back to the invitations as they were listed (search and page).
    let kept: Vec<(String, String)> = form
        .into_inner()
        .into_iter()
        .filter(|(k, v)| (k == "inv_q" || k == "inv_page") && !v.is_empty())
        .collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    Ok(w::redirect(&format!(
        "/w/{}/members{}{query}#invitations",
        admin.workspace.slug,
        if query.is_empty() { "" } else { "?" }
    )))
}

/// Runs a membership change and turns the rule violations into flash messages.
async fn membership_action(
    ctx: &Ctx,
    member: &Member,
    success: &str,
    after: &str,
    f: impl FnOnce(&mut crate::db::DbConn, crate::db::TenantId, Actor) -> AppResult<()> + Send + 'static,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let actor = Actor {
        user: member.user_id(),
        role: member.role,
    };
    let done = web::block(move || m.conn()?.write(|c, t| f(c, t, actor))).await?;
    match done {
        Ok(()) => Flash::success(&ctx.session, success),
        Err(AppError::Conflict(msg)) | Err(AppError::Forbidden(msg)) => {
            Flash::error(&ctx.session, msg)
        }
        Err(e) => return Err(e),
    }
    Ok(w::redirect(after))
}

pub async fn change_role(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, MembershipId)>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let (_, target) = path.into_inner();
    let role =
        Role::parse(&form.role).ok_or_else(|| AppError::BadRequest("Unknown role.".into()))?;
    let after = format!("/w/{}/members", admin.workspace.slug);
    membership_action(&ctx, &admin, "Role changed.", &after, move |c, t, actor| {
        queries::change_role(c, t, actor, target, role, &meta)
    })
    .await
}

pub async fn remove(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    path: web::Path<(String, MembershipId)>,
) -> AppResult<HttpResponse> {
    let (_, target) = path.into_inner();
    let after = format!("/w/{}/members", admin.workspace.slug);
    membership_action(
        &ctx,
        &admin,
        "Member removed.",
        &after,
        move |c, t, actor| queries::remove(c, t, actor, target, &meta),
    )
    .await
}

pub async fn transfer(
    ctx: Ctx,
    owner: Owner,
    meta: RequestMeta,
    path: web::Path<(String, MembershipId)>,
) -> AppResult<HttpResponse> {
    let (_, target) = path.into_inner();
    let after = format!("/w/{}/members", owner.workspace.slug);
    membership_action(
        &ctx,
        &owner,
        "Ownership transferred; you are now an admin.",
        &after,
        move |c, t, actor| {
            let mine = queries::membership_of(c, t, actor.user)?;
            queries::transfer_ownership(c, t, actor, mine, target, &meta)
        },
    )
    .await
}

pub async fn leave(ctx: Ctx, member: Member, meta: RequestMeta) -> AppResult<HttpResponse> {
    let m = member.clone();
    let actor = Actor {
        user: member.user_id(),
        role: member.role,
    };
    let done = web::block(move || {
        m.conn()?.write(|c, t| {
            let mine = queries::membership_of(c, t, actor.user)?;
            queries::remove(c, t, actor, mine, &meta)
        })
    })
    .await?;
    match done {
        Ok(()) => {
            Flash::success(
                &ctx.session,
                format!("You left “{}”.", member.workspace.name),
            );
            Ok(w::redirect("/"))
        }
        Err(AppError::Conflict(msg)) => {
            Flash::error(&ctx.session, msg);
            Ok(w::redirect(&format!(
                "/w/{}/members",
                member.workspace.slug
            )))
        }
        Err(e) => Err(e),
    }
}
