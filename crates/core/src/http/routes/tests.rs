use super::*;

#[test]
fn fixed_paths_resolve_to_their_operation() {
    for route in ROUTES.iter().filter(|r| !r.template.contains("{id}")) {
        assert_eq!(
            resolve(route.method.as_str(), route.template),
            Resolved::Found { route, id: None },
            "{}",
            route.template
        );
    }
}

#[test]
fn an_id_segment_is_captured_and_fixed_paths_win_over_it() {
    let found = resolve("GET", "/api/v1/users/0b7c");
    assert_eq!(
        found,
        Resolved::Found {
            route: route_of(RouteId::GetUser),
            id: Some("0b7c")
        }
    );
    assert!(matches!(
        resolve("GET", "/api/v1/users/profile"),
        Resolved::Found { route, .. } if route.id == RouteId::Profile
    ));
    assert!(matches!(
        resolve("DELETE", "/api/v1/users/me"),
        Resolved::Found { route, id: None } if route.id == RouteId::DeleteOwnAccount
    ));
    assert!(matches!(
        resolve("DELETE", "/api/v1/users/0b7c"),
        Resolved::Found { route, id: Some("0b7c") } if route.id == RouteId::DeleteUser
    ));
    assert!(matches!(
        resolve("DELETE", "/api/v1/auth/sessions/s-1"),
        Resolved::Found { route, id: Some("s-1") } if route.id == RouteId::RevokeSession
    ));
}

#[test]
fn a_known_path_with_another_method_is_405_and_an_unknown_path_404() {
    assert_eq!(
        resolve("GET", "/api/v1/auth/login"),
        Resolved::MethodNotAllowed {
            template: "/api/v1/auth/login"
        }
    );
    assert_eq!(
        resolve("PUT", "/api/v1/users/abc"),
        Resolved::MethodNotAllowed {
            template: "/api/v1/users/{id}"
        }
    );
    assert_eq!(
        resolve("DELETE", "/api/v1/users/profile"),
        Resolved::MethodNotAllowed {
            template: "/api/v1/users/profile"
        },
        "a fixed path is never taken for an id"
    );
    for path in [
        "/nope",
        "/api/v1/users/a/b",
        "/api/v1/auth/sessions/",
        "",
        "/api/v1/auth/login/",
    ] {
        assert_eq!(resolve("GET", path), Resolved::NotFound, "{path:?}");
        assert_eq!(resolve("GET", path).label(), OTHER);
    }
}

#[test]
fn labels_are_templates_so_ids_never_reach_logs() {
    assert_eq!(
        resolve("DELETE", "/api/v1/auth/sessions/secret-looking-id").label(),
        "/api/v1/auth/sessions/{id}"
    );
}

#[test]
fn every_operation_is_in_the_table_once() {
    for route in ROUTES {
        assert_eq!(route_of(route.id), route);
        let same = ROUTES
            .iter()
            .filter(|r| r.method == route.method && r.template == route.template)
            .count();
        assert_eq!(same, 1, "{} {}", route.method.as_str(), route.template);
    }
}

/// The table and each profile's document (`openapi/openapi.yaml`, `openapi/otp-auth-v1.yaml`)
/// list the same operations.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_table_and_the_openapi_documents_list_the_same_operations() {
    use crate::http::api_profile::{ApiProfile, PathPlan};
    use std::collections::BTreeSet;
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.template.to_owned()))
        .collect();
    for (name, text) in [
        (
            "openapi.yaml",
            include_str!("../../../../../openapi/openapi.yaml"),
        ),
        (
            "otp-auth-v1.yaml",
            include_str!("../../../../../openapi/otp-auth-v1.yaml"),
        ),
    ] {
        let doc: serde_yaml::Value = serde_yaml::from_str(text).expect("the document parses");
        let profile = if name == "openapi.yaml" {
            ApiProfile::Native
        } else {
            ApiProfile::OtpAuthV1
        };
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_mapping().expect("paths") {
            // A path the profile redirects is documented by its redirect, not in the table.
            let PathPlan::Serve(path) = profile.route_path(path.as_str().expect("a path")) else {
                continue;
            };
            for (method, _) in item.as_mapping().expect("a path item") {
                let method = method.as_str().expect("a method").to_ascii_uppercase();
                documented.insert((method, path.to_owned()));
            }
        }
        assert_eq!(table, documented, "the route table and {name} differ");
    }
}
