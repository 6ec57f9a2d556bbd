//! `GET /api/v1/users/profile`, and for the `superadmin` scope `GET /api/v1/users` and
//! `GET /api/v1/users/{id}`.

use crate::context::Ctx;
use crate::extract;
use crate::outcome::{Handled, Outcome};
use crate::responses::user_json;
use auth_core::admin::UserQuery;
use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::ports::{AccountStore, AdminOutcome, AdminRequest};
use auth_core::routes::RouteId;
use serde_json::json;

fn session_gone() -> Outcome {
    Outcome::code(ErrorCode::Unauthorized, "session is no longer active")
}

pub async fn profile(ctx: &Ctx) -> Handled {
    let claims = extract::caller(ctx).await?;
    let outcome = match ctx.accounts()?.profile(&claims.sub, &claims.sid).await {
        Ok(Some(user)) => Outcome::json(200, &json!({ "user": user_json(&user) }))?,
        // The token is genuine but its session was revoked or has expired.
        Ok(None) => session_gone(),
        Err(error) => Outcome::unavailable("profile failed", &error),
    };
    Ok(outcome.for_user(&claims.sub))
}

/// The listing (with its validated query) or one user by id.
pub async fn admin(ctx: &Ctx) -> Handled {
    let claims = extract::caller(ctx).await?;
    let pairs = ctx.query();
    let query =
        UserQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|why| {
            Outcome::error(
                ErrorBody::new(ErrorCode::InvalidRequest, "invalid query").with_details(why),
            )
        })?;
    let request = match (ctx.route.id, ctx.id.as_deref()) {
        (RouteId::GetUser, Some(id)) => AdminRequest::Get(id),
        _ => AdminRequest::List(&query),
    };
    let answer = ctx
        .accounts()?
        .admin(&claims.sub, &claims.sid, &request)
        .await;
    let outcome = match answer {
        Ok(AdminOutcome::Unauthenticated) => session_gone(),
        Ok(AdminOutcome::Forbidden) => {
            Outcome::code(ErrorCode::Forbidden, "superadmin scope required")
        }
        Ok(AdminOutcome::User(Some(user))) => {
            Outcome::json(200, &json!({ "user": user_json(&user) }))?
        }
        Ok(AdminOutcome::User(None)) => Outcome::code(ErrorCode::NotFound, "user not found"),
        Ok(AdminOutcome::Users { users, total }) => Outcome::json(
            200,
            &json!({
                "users": users.iter().map(user_json).collect::<Vec<_>>(),
                "total": total,
                "page": query.page,
                "limit": query.limit,
                "total_pages": query.total_pages(total),
            }),
        )?,
        Err(error) => Outcome::unavailable("admin request failed", &error),
    };
    Ok(outcome.for_user(&claims.sub))
}
