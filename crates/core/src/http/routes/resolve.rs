//! Resolving a request to its operation in [`ROUTES`]: fixed templates first, then those with
//! an `{id}` segment; a known path with another method is 405, an unknown one 404. The label
//! logs and metrics use comes from here, so a concrete id never reaches either.

use super::{Method, Route, RouteId, ROUTES};

/// The route label of a path that matches no template, for logs and metrics.
pub const OTHER: &str = "other";

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved<'p> {
    /// The operation, and the `{id}` segment when its template has one.
    Found {
        route: &'static Route,
        id: Option<&'p str>,
    },
    /// The path is the contract's, the method is not (405).
    MethodNotAllowed { template: &'static str },
    /// No operation has this path (404).
    NotFound,
}

impl Resolved<'_> {
    /// The label logs and metrics use: the template, never the concrete path (ids stay out).
    pub fn label(&self) -> &'static str {
        match self {
            Resolved::Found { route, .. } => route.template,
            Resolved::MethodNotAllowed { template } => template,
            Resolved::NotFound => OTHER,
        }
    }
}

/// Matches a template against a path: `{id}` takes exactly one non-empty segment.
fn matches<'p>(template: &str, path: &'p str) -> Option<Option<&'p str>> {
    let mut id = None;
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(id),
            (Some("{id}"), Some(segment)) if !segment.is_empty() => id = Some(segment),
            (Some(a), Some(b)) if a == b => {}
            _ => return None,
        }
    }
}

/// The route of a method and path (`method` as on the request line).
pub fn resolve<'p>(method: &str, path: &'p str) -> Resolved<'p> {
    let method = Method::parse(method);
    let mut template_seen = None;
    // Fixed templates win over `{id}` ones (`/api/v1/users/profile` is not a user id).
    for fixed in [true, false] {
        let candidates = ROUTES
            .iter()
            .filter(|r| r.template.contains("{id}") != fixed);
        for route in candidates {
            if let Some(id) = matches(route.template, path) {
                if Some(route.method) == method {
                    return Resolved::Found { route, id };
                }
                template_seen.get_or_insert(route.template);
            }
        }
        if template_seen.is_some() {
            break;
        }
    }
    match template_seen {
        Some(template) => Resolved::MethodNotAllowed { template },
        None => Resolved::NotFound,
    }
}

/// The table entry of an operation.
pub fn route_of(id: RouteId) -> &'static Route {
    ROUTES
        .iter()
        .find(|r| r.id == id)
        .expect("every RouteId is in ROUTES")
}
