//! Who may enter which part of Kolabik. Every page and API route declares one `Area`; the
//! web layer's single guard asks `may_enter` and nothing else.

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, whatever their roles (account settings, password change).
    SignedIn,
    /// Only users holding this role in the current edition.
    Role(Role),
    /// Users holding any of these roles (API resources shared by roles, each of which
    /// then sees only its own slice).
    AnyOf(&'static [Role]),
}

/// Decision for one request. `NeedsLogin` sends browsers to the login page; `Forbidden`
/// answers 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    NeedsLogin,
    Forbidden,
}

/// `roles` is `None` for an anonymous request, else the roles the user holds in the current
/// edition (possibly none).
pub fn may_enter(area: Area, roles: Option<&[Role]>) -> Decision {
    match (area, roles) {
        (Area::Public, _) => Decision::Allow,
        (_, None) => Decision::NeedsLogin,
        (Area::SignedIn, Some(_)) => Decision::Allow,
        (Area::Role(needed), Some(held)) if held.contains(&needed) => Decision::Allow,
        (Area::Role(_), Some(_)) => Decision::Forbidden,
        (Area::AnyOf(needed), Some(held)) if held.iter().any(|r| needed.contains(r)) => {
            Decision::Allow
        }
        (Area::AnyOf(_), Some(_)) => Decision::Forbidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_do_not_leak_into_each_other() {
        for &needed in Role::ALL {
            for &held in Role::ALL {
                let expected = if needed == held {
                    Decision::Allow
                } else {
                    Decision::Forbidden
                };
                assert_eq!(may_enter(Area::Role(needed), Some(&[held])), expected);
            }
            assert_eq!(may_enter(Area::Role(needed), None), Decision::NeedsLogin);
            assert_eq!(
                may_enter(Area::Role(needed), Some(&[])),
                Decision::Forbidden
            );
        }
        assert_eq!(may_enter(Area::Public, None), Decision::Allow);
        assert_eq!(may_enter(Area::SignedIn, None), Decision::NeedsLogin);
        assert_eq!(may_enter(Area::SignedIn, Some(&[])), Decision::Allow);
        let shared = Area::AnyOf(&[Role::Committee, Role::UnitOperator]);
        assert_eq!(
            may_enter(shared, Some(&[Role::UnitOperator])),
            Decision::Allow
        );
        assert_eq!(may_enter(shared, Some(&[Role::Judge])), Decision::Forbidden);
        assert_eq!(may_enter(shared, None), Decision::NeedsLogin);
    }
}
