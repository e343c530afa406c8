//! Who may do what (DESIGN §5), as pure rules over the caller's key: no HTTP, no database.
//!
//! The caller is a [`Principal`] (its key's id, role and, for an operator, its unit). The actix
//! extractor that finds it lives in `auth`; the service layer asks the rules here, and a refusal
//! ([`Denied`]) becomes a 403 where the error type is mapped to HTTP.

use uuid::Uuid;

use crate::domain::credentials::Role;

/// The caller, as its key says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub key_id: Uuid,
    pub role: Role,
    /// The unit an operator key is scoped to.
    pub unit_id: Option<Uuid>,
}

/// A refused action, with the reason shown to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub &'static str);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Denied {}

/// A login session for the report pages lasts a working day.
pub const SESSION_SECS: i64 = 8 * 3600;

const OTHER_UNIT: Denied = Denied("this operator key belongs to another unit");

impl Principal {
    pub fn require_admin(&self) -> Result<(), Denied> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Denied("only an admin key may do this"))
        }
    }

    /// Admin or assessor (the read-all roles).
    pub fn require_admin_or_assessor(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Assessor => Ok(()),
            Role::Operator => Err(Denied("only admin and assessor keys may do this")),
        }
    }

    /// Admin, or the operator of this unit: who may change a unit's campaigns, links and tokens.
    pub fn require_manage(&self, unit_id: Uuid) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Operator if self.unit_id == Some(unit_id) => Ok(()),
            Role::Operator => Err(OTHER_UNIT),
            Role::Assessor => Err(Denied("assessor keys are read-only here")),
        }
    }

    /// Admin, assessor, or the operator of this unit: who may read a unit's data.
    pub fn require_read(&self, unit_id: Uuid) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Assessor => Ok(()),
            Role::Operator if self.unit_id == Some(unit_id) => Ok(()),
            Role::Operator => Err(OTHER_UNIT),
        }
    }

    /// The one unit this caller is limited to when listing units (an operator's own), or `None`
    /// for the read-all roles. An operator key without a unit sees nothing (the nil id).
    pub fn only_unit(&self) -> Option<Uuid> {
        match self.role {
            Role::Operator => Some(self.unit_id.unwrap_or(Uuid::nil())),
            Role::Admin | Role::Assessor => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, unit: Option<Uuid>) -> Principal {
        Principal {
            key_id: Uuid::new_v4(),
            role,
            unit_id: unit,
        }
    }

    #[test]
    fn the_role_table_of_design_5() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let admin = who(Role::Admin, None);
        let assessor = who(Role::Assessor, None);
        let operator = who(Role::Operator, Some(a));
        assert!(admin.require_admin().is_ok() && assessor.require_admin().is_err() && operator.require_admin().is_err());
        assert!(admin.require_admin_or_assessor().is_ok() && assessor.require_admin_or_assessor().is_ok());
        assert!(operator.require_admin_or_assessor().is_err());
        assert!(admin.require_manage(b).is_ok() && operator.require_manage(a).is_ok());
        assert_eq!(operator.require_manage(b), Err(OTHER_UNIT));
        assert!(assessor.require_manage(a).is_err());
        assert!(assessor.require_read(b).is_ok() && operator.require_read(a).is_ok() && operator.require_read(b).is_err());
        assert_eq!(operator.only_unit(), Some(a));
        assert_eq!(who(Role::Operator, None).only_unit(), Some(Uuid::nil()));
        assert_eq!(assessor.only_unit(), None);
    }
}
