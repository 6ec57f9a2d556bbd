//! `GET /api/v1/users/profile` and `DELETE /api/v1/users/me`, and for the `superadmin` scope
//! `GET /api/v1/users`, `GET` and `DELETE /api/v1/users/{id}`, `POST /api/v1/users/{id}/scope`,
//! `GET /api/v1/users/{id}/sessions` and `POST`/`DELETE /api/v1/users/{id}/block`.

use crate::context::Ctx;
use crate::cookies::Jar;
use crate::extract::{self, session_gone};
use crate::outcome::{Handled, Outcome};
use crate::responses::{session_json, user_json};
use auth_core::domain::admin::UserQuery;
use auth_core::http::api_profile::ApiProfile;
use auth_core::http::bodies::ScopeBody;
use auth_core::http::error::{ErrorBody, ErrorCode};
use auth_core::http::routes::RouteId;
use auth_core::ports::{AccountLender, AccountStore};
use auth_core::usecases::admin::{
    admin as admin_use_case, admin_across, AdminAnswer, AdminRequest,
};
use auth_core::usecases::delete_account::delete_own_account as delete_own;
use serde_json::json;

pub async fn profile(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let outcome = match ctx
        .accounts_in(caller.region)?
        .lend(async |store| store.user_of_session(&caller.user, &caller.session).await)
        .await
    {
        Ok(Some(user)) => Outcome::json(200, &json!({ "user": user_json(&user) }))?,
        // The token is genuine but its session was revoked or has expired.
        Ok(None) => session_gone(),
        Err(error) => Outcome::unavailable("profile failed", &error),
    };
    Ok(outcome.for_caller(&caller))
}

/// The caller deletes their own account, from a session that logged in recently; the auth
/// cookies are cleared once it is gone (the CSRF check of a cookie caller ran centrally).
pub async fn delete_own_account(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let auth = ctx.auth()?;
    let max_age = auth.settings.delete_account_max_auth_age_secs;
    let deleted = delete_own(
        &ctx.accounts_in(caller.region)?,
        &caller.user,
        &caller.session,
        max_age,
    )
    .await;
    match deleted {
        Ok(freed) => {
            ctx.forget_number(&freed).await;
            let done = Outcome::json(200, &json!({"message": "Account deleted"}))?;
            Jar::of(auth.api_profile).clear_all(done.for_caller(&caller))
        }
        Err(error) => Ok(
            Outcome::failure("delete account failed", &error.problem(), &error).for_caller(&caller),
        ),
    }
}

/// The listing (with its validated query) or one user by id. Core authorizes the caller, and
/// borrows the connections: one for the whole request in one region.
pub async fn admin(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let profile = ctx.auth()?.api_profile;
    let pairs = ctx.query();
    let query = UserQuery::parse_with(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        profile.user_query_rules(),
    )
    .map_err(|why| {
        Outcome::error(ErrorBody::new(ErrorCode::InvalidRequest, "invalid query").with_details(why))
    })?;
    let body: Option<ScopeBody> = match ctx.route.id {
        RouteId::SetUserScope => Some(ctx.json()?),
        _ => None,
    };
    let request = match (ctx.route.id, ctx.id.as_deref(), &body) {
        (RouteId::GetUser, Some(id), _) => AdminRequest::Get(id),
        (RouteId::SetUserScope, Some(id), Some(body)) => AdminRequest::SetScope {
            id,
            scope: &body.scope,
        },
        (RouteId::UserSessions, Some(id), _) => AdminRequest::Sessions(id),
        (RouteId::BlockUser | RouteId::UnblockUser, Some(id), _) => AdminRequest::SetBlocked {
            id,
            blocked: ctx.route.id == RouteId::BlockUser,
        },
        (RouteId::DeleteUser, Some(id), _) => AdminRequest::Delete(id),
        _ => AdminRequest::List(&query),
    };
    let regions = &ctx.config()?.regions;
    let answer = if regions.len() == 1 {
        let home = ctx.accounts_in(caller.region)?;
        admin_use_case(&home, &caller.user, &caller.session, request, profile).await
    } else {
        // Each region's calls on connections of their own, the regions asked at once.
        let stores = regions
            .ids()
            .map(|region| ctx.accounts_in(region))
            .collect::<Result<Vec<_>, _>>()?;
        let all: Vec<_> = stores.iter().collect();
        let home = ctx.accounts_in(caller.region)?;
        admin_across(&home, &all, &caller.user, &caller.session, request, profile).await
    };
    let outcome = match answer {
        Ok(AdminAnswer::User(user)) => Outcome::json(200, &json!({ "user": user_json(&user) }))?,
        Ok(AdminAnswer::Blocked(change)) => Outcome::json(
            200,
            &json!({
                "user": user_json(&change.user),
                "blocked": ctx.route.id == RouteId::BlockUser,
                "sessions_ended": change.sessions_ended,
            }),
        )?,
        Ok(AdminAnswer::Deleted { freed }) => {
            ctx.forget_number(&freed).await;
            Outcome::json(200, &json!({"message": "User deleted"}))?
        }
        Ok(AdminAnswer::Sessions(sessions)) => Outcome::json(
            200,
            &json!({ "sessions": sessions.iter().map(session_json).collect::<Vec<_>>() }),
        )?,
        Ok(AdminAnswer::Page(page)) => Outcome::json(
            200,
            &json!({
                "users": page.users.iter().map(user_json).collect::<Vec<_>>(),
                "total": page.total,
                "page": query.page,
                "limit": query.limit,
                "total_pages": match profile {
                    ApiProfile::Native => query.total_pages(page.total),
                    // The Go service counted an empty list as one page.
                    ApiProfile::OtpAuthV1 => query.total_pages(page.total).max(1),
                },
            }),
        )?,
        Err(error) => Outcome::failure("admin request failed", &error.problem(), &error),
    };
    Ok(outcome.for_caller(&caller))
}
