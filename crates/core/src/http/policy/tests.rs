use super::*;
use crate::http::api_profile::CookieNames;
use crate::http::routes::{cookies, route_of, RouteId, ROUTES};

fn cookie_request<'a>(cookies: &'a str, csrf: Option<&'a str>) -> Arrival<'a> {
    Arrival {
        cookie_mode: true,
        cookie_header: Some(cookies),
        csrf_header: csrf,
        ..Arrival::default()
    }
}

/// Every state-changing route that a cookie can authenticate: a request carrying that cookie
/// without the CSRF proof is refused before any handler runs; with the proof it is admitted.
#[test]
fn every_cookie_authenticated_state_change_needs_the_csrf_proof() {
    let guarded: Vec<&Route> = ROUTES
        .iter()
        .filter(|r| {
            r.changes_state
                && CookieNames::default()
                    .for_credential(r.credential)
                    .is_some()
        })
        .collect();
    let ids: Vec<RouteId> = guarded.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            RouteId::Refresh,
            RouteId::Logout,
            RouteId::RevokeSession,
            RouteId::SetUserScope,
            RouteId::BlockUser,
            RouteId::UnblockUser,
            RouteId::DeleteUser,
            RouteId::DeleteOwnAccount,
            RouteId::SendPhoneChangeOtp,
            RouteId::ChangePhone,
            RouteId::PasskeyRegister,
            RouteId::DeletePasskey,
        ],
        "the state changes a cookie can authenticate"
    );
    for route in guarded {
        let name = CookieNames::default()
            .for_credential(route.credential)
            .unwrap();
        let jar = format!("{name}=token-value; {}=proof-1234", cookies::CSRF);
        for csrf in [None, Some("proof-1235"), Some("proof-123"), Some("")] {
            let refused = admit(route, &cookie_request(&jar, csrf)).unwrap_err();
            assert_eq!(
                refused.code,
                ErrorCode::Forbidden,
                "{:?} {csrf:?}",
                route.id
            );
        }
        assert_eq!(
            admit(route, &cookie_request(&jar, Some("proof-1234"))),
            Ok(())
        );
        let no_csrf_cookie = format!("{name}=token-value");
        assert!(admit(route, &cookie_request(&no_csrf_cookie, Some("x"))).is_err());
    }
}

#[test]
fn without_the_cookie_or_outside_cookie_mode_no_proof_is_asked() {
    let refresh = route_of(RouteId::Refresh);
    let other_cookies = Arrival {
        cookie_mode: true,
        cookie_header: Some("theme=dark; __Secure-session_id=abc"),
        ..Arrival::default()
    };
    assert_eq!(admit(refresh, &other_cookies), Ok(()));
    let cookie_mode_off = Arrival {
        cookie_mode: false,
        cookie_header: Some("__Secure-refresh_token=abc"),
        ..Arrival::default()
    };
    assert_eq!(admit(refresh, &cookie_mode_off), Ok(()));
}

#[test]
fn a_bearer_header_wins_over_the_access_cookie() {
    let revoke = route_of(RouteId::RevokeSession);
    let with_header = Arrival {
        cookie_mode: true,
        authorization: Some("Bearer x"),
        cookie_header: Some("__Host-access_token=abc"),
        ..Arrival::default()
    };
    assert!(!with_header.by_cookie(revoke));
    assert_eq!(admit(revoke, &with_header), Ok(()));
    // Reads are never CSRF-checked: a cross-site page cannot read the answer.
    let profile = route_of(RouteId::Profile);
    let read = cookie_request("__Host-access_token=abc", None);
    assert!(read.by_cookie(profile));
    assert_eq!(admit(profile, &read), Ok(()));
}

#[test]
fn a_declared_length_over_the_cap_is_refused_unread() {
    let login = route_of(RouteId::Login);
    let over = (MAX_BODY_BYTES + 1).to_string();
    let arrival = Arrival {
        content_length: Some(&over),
        ..Arrival::default()
    };
    assert_eq!(
        admit(login, &arrival).unwrap_err().code,
        ErrorCode::PayloadTooLarge
    );
    let at_cap = MAX_BODY_BYTES.to_string();
    let arrival = Arrival {
        content_length: Some(&at_cap),
        ..Arrival::default()
    };
    assert_eq!(admit(login, &arrival), Ok(()));
}

#[test]
fn a_body_must_say_it_is_json() {
    for ok in [
        "application/json",
        "Application/JSON; charset=utf-8",
        "application/merge-patch+json",
    ] {
        assert_eq!(json_content(Some(ok), b"{}"), Ok(()), "{ok}");
    }
    for bad in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("text/json+json"),
    ] {
        let refused = json_content(bad, b"{}").unwrap_err();
        assert_eq!(refused.code, ErrorCode::UnsupportedMediaType, "{bad:?}");
        assert_eq!(refused.http_status(), 415);
    }
    assert_eq!(
        json_content(None, b""),
        Ok(()),
        "an empty body needs no type"
    );
}

#[test]
fn cookies_are_read_by_exact_name() {
    let header = Some("a=1; refresh_token=xyz;csrf_token=; b=2=3");
    assert_eq!(cookie(header, "refresh_token"), Some("xyz"));
    assert_eq!(cookie(header, "b"), Some("2=3"));
    assert_eq!(cookie(header, "csrf_token"), None, "empty is absent");
    assert_eq!(cookie(header, "token"), None);
    assert_eq!(cookie(None, "a"), None);
}

/// In cookie mode, a state change from a page the API does not trust is refused, whether or
/// not it carries a cookie yet: send-otp and login are what would plant the cookies.
#[test]
fn in_cookie_mode_state_changes_from_foreign_pages_are_refused() {
    let foreign = |origin, origin_allowed, fetch_site, cookie_mode| Arrival {
        cookie_mode,
        origin,
        origin_allowed,
        fetch_site,
        ..Arrival::default()
    };
    for id in [RouteId::SendOtp, RouteId::Login, RouteId::Refresh] {
        let route = route_of(id);
        for refused in [
            foreign(
                Some("https://evil.example"),
                false,
                Some("cross-site"),
                true,
            ),
            foreign(Some("null"), false, None, true),
            foreign(None, false, Some("cross-site"), true),
            foreign(None, false, Some("Cross-Site"), true),
        ] {
            let error = admit(route, &refused).unwrap_err();
            assert_eq!(error.code, ErrorCode::Forbidden, "{id:?} {refused:?}");
        }
        for admitted in [
            foreign(Some("https://app.example"), true, Some("cross-site"), true),
            foreign(None, false, Some("same-origin"), true),
            foreign(None, false, None, true),
            foreign(
                Some("https://evil.example"),
                false,
                Some("cross-site"),
                false,
            ),
        ] {
            assert_eq!(admit(route, &admitted), Ok(()), "{id:?} {admitted:?}");
        }
    }
    let jwks = route_of(RouteId::Jwks);
    assert_eq!(
        admit(
            jwks,
            &foreign(Some("https://evil.example"), false, None, true)
        ),
        Ok(()),
        "reads are not state changes"
    );
}

/// The otp-auth-v1 profile: its clients send no CSRF token, so a cookie-authenticated state
/// change is admitted without one, but never from a page the API does not trust.
#[test]
fn the_go_profile_guards_cookie_state_changes_by_origin_not_by_token() {
    let go = crate::http::api_profile::ApiProfile::OtpAuthV1.cookies();
    let arrival = |origin, origin_allowed, fetch_site| Arrival {
        cookie_mode: true,
        cookie_names: go,
        cookie_header: Some("refresh_token=abc; session_id=def"),
        origin,
        origin_allowed,
        fetch_site,
        ..Arrival::default()
    };
    for id in [RouteId::Refresh, RouteId::Logout] {
        let route = route_of(id);
        assert!(arrival(None, false, None).by_cookie(route), "{id:?}");
        // A mobile client (no Origin, no Fetch Metadata) and the API's own pages get in.
        assert_eq!(admit(route, &arrival(None, false, None)), Ok(()));
        assert_eq!(
            admit(
                route,
                &arrival(Some("https://auth.example"), true, Some("same-origin"))
            ),
            Ok(())
        );
        for foreign in [
            arrival(Some("https://evil.example"), false, Some("cross-site")),
            arrival(Some("null"), false, None),
            arrival(None, false, Some("cross-site")),
        ] {
            assert_eq!(
                admit(route, &foreign).unwrap_err().code,
                ErrorCode::Forbidden,
                "{id:?} {foreign:?}"
            );
        }
    }
}

#[test]
fn an_oauth_form_must_say_it_is_a_form_and_is_capped_like_json() {
    assert!(form_content(Some("application/x-www-form-urlencoded"), b"token=t").is_ok());
    assert!(form_content(
        Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
        b"token=t"
    )
    .is_ok());
    assert!(
        form_content(None, b"").is_ok(),
        "an empty body lacks the token, said later"
    );
    for wrong in [None, Some("application/json"), Some("text/plain")] {
        assert_eq!(
            form_content(wrong, b"token=t").unwrap_err().code,
            ErrorCode::UnsupportedMediaType,
            "{wrong:?}"
        );
    }
    let revoke = crate::http::routes::route_of(crate::http::routes::RouteId::RevokeToken);
    let arrival = Arrival {
        content_length: Some("999999"),
        ..Arrival::default()
    };
    assert_eq!(
        admit(revoke, &arrival).unwrap_err().code,
        ErrorCode::PayloadTooLarge
    );
}
