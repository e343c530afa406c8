//! API keys: an admin creates them (the plaintext shown once, only its hash stored) and revokes
//! them (effective on the next request). The command line creates keys through [`issue`] too, so
//! both ways check the same fields and leave the same audit entry; start-up creates the first
//! admin key through [`bootstrap`].

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::credentials::{Role, hash_secret, new_api_key};
use crate::domain::values::Text;
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, audit::Actor, audit::Entry};
use crate::views::keys::{CreatedKey, KeyView};

/// A key as asked for, every field still unchecked.
pub struct KeyInput {
    pub name: Option<String>,
    /// `admin`, `operator` or `assessor`.
    pub role: Option<String>,
    /// Required for (and only for) operator keys.
    pub unit_id: Option<Uuid>,
}

/// Creates a key (admin). The key is in the answer only.
#[tracing::instrument(skip_all)]
pub async fn create(db: &DatabaseConnection, who: &Principal, input: KeyInput) -> AppResult<CreatedKey> {
    who.require_admin()?;
    issue(db, who.into(), input).await
}

/// Creates a key for `actor` without a role check: the API after [`create`]'s check, and the
/// command line (which holds the database itself).
#[tracing::instrument(skip_all)]
pub async fn issue(db: &DatabaseConnection, actor: Actor, input: KeyInput) -> AppResult<CreatedKey> {
    // Validate (reads) before the transaction, which then starts with a write.
    let (name, role, unit_id) = validate(db, input).await?;
    let (key, hash) = new_api_key();
    super::audited(db, actor, async |txn| {
        let k = repo::keys::insert(txn, &name, role, unit_id, &hash).await.during("storing a key")?;
        let entry = Entry {
            action: "key.create",
            entity: "api_key",
            entity_id: k.id.to_string(),
            unit_id,
            reason: None,
            detail: serde_json::json!({"name": name, "role": role.as_str()}),
        };
        let created = CreatedKey {
            id: k.id,
            key,
            name: k.name,
            role,
            unit_id,
        };
        Ok((created, Some(entry)))
    })
    .await
}

/// Checks a key request: a known role, a name, and a unit exactly for operator keys.
async fn validate(db: &impl ConnectionTrait, input: KeyInput) -> AppResult<(String, Role, Option<Uuid>)> {
    let mut f = Fields::new();
    let name = f.require("name", input.name).and_then(|s| f.check("name", Text::parse(&s, 200)));
    let role = f.require("role", input.role).and_then(|r| f.check("role", r.parse::<Role>()));
    let unit_id = input.unit_id;
    let unit_exists = match unit_id {
        Some(u) => repo::units::find(db, u).await.during("reading the key's unit")?.is_some(),
        None => false,
    };
    match (role, unit_id) {
        (Some(Role::Operator), None) => f.add("unit_id", "an operator key needs the unit it belongs to"),
        (Some(Role::Operator), Some(_)) if !unit_exists => f.add("unit_id", "no unit has this id"),
        (Some(Role::Operator), Some(_)) => {}
        (Some(_), Some(_)) => f.add("unit_id", "only operator keys belong to a unit"),
        _ => {}
    }
    f.finish()?;
    match (name, role) {
        (Some(n), Some(r)) => Ok((n.into_string(), r, unit_id)),
        _ => Err(AppError::Internal(anyhow::anyhow!("validated key fields missing"))),
    }
}

/// Every key by name, with its role, unit, and when it was created and revoked (admin). Never
/// the secret: only its hash is stored.
#[tracing::instrument(skip_all)]
pub async fn list(db: &DatabaseConnection, who: &Principal) -> AppResult<Vec<KeyView>> {
    who.require_admin()?;
    let mut keys: Vec<KeyView> = repo::keys::list(db)
        .await
        .during("listing keys")?
        .into_iter()
        .map(KeyView::from)
        .collect();
    keys.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.created_at.cmp(&b.created_at))
    });
    Ok(keys)
}

/// The names of every key by id, for showing who did what (admin, assessor: the audit log's
/// readers). A name is what the admin typed when creating the key, never its secret.
#[tracing::instrument(skip_all)]
pub async fn names(db: &DatabaseConnection, who: &Principal) -> AppResult<std::collections::HashMap<Uuid, String>> {
    who.require_admin_or_assessor()?;
    Ok(repo::keys::list(db)
        .await
        .during("listing keys")?
        .into_iter()
        .map(|k| (k.id, k.name))
        .collect())
}

/// Revokes a key (admin); the next request with it is refused, and its login sessions end.
#[tracing::instrument(skip_all, fields(key_id = %id))]
pub async fn revoke(db: &DatabaseConnection, who: &Principal, id: Uuid) -> AppResult<()> {
    who.require_admin()?;
    let k = repo::keys::find(db, id)
        .await
        .during("reading a key")?
        .ok_or_else(|| AppError::not_found("key"))?;
    super::audited(db, who.into(), async |txn| {
        let k = repo::keys::revoke(txn, k).await.during("revoking a key")?;
        repo::sessions::revoke_for_key(txn, k.id)
            .await
            .during("ending the key's sessions")?;
        let entry = Entry {
            action: "key.revoke",
            entity: "api_key",
            entity_id: k.id.to_string(),
            unit_id: k.unit_id,
            reason: None,
            detail: serde_json::json!({"name": k.name, "role": k.role}),
        };
        Ok(((), Some(entry)))
    })
    .await
}

/// Where the first admin key comes from.
pub enum Bootstrap<'a> {
    /// `INTEGRITAS_BOOTSTRAP_ADMIN_KEY`: stored (by its hash) unless it exists already.
    Given(&'a str),
    /// No key configured: one is made when no active admin key exists.
    Generate,
}

/// Makes sure an admin key exists at start-up. Returns a generated key's plaintext, which the
/// caller shows once (never through the log).
#[tracing::instrument(skip_all)]
pub async fn bootstrap(db: &DatabaseConnection, how: Bootstrap<'_>) -> AppResult<Option<String>> {
    let (plaintext, hash, source) = match how {
        Bootstrap::Given(key) => {
            let hash = hash_secret(key);
            if repo::keys::find_by_hash(db, &hash)
                .await
                .during("looking up the bootstrap key")?
                .is_some()
            {
                return Ok(None);
            }
            (None, hash, "INTEGRITAS_BOOTSTRAP_ADMIN_KEY")
        }
        Bootstrap::Generate => {
            if repo::keys::count_active_admins(db).await.during("counting admin keys")? > 0 {
                return Ok(None);
            }
            let (key, hash) = new_api_key();
            (Some(key), hash, "first start")
        }
    };
    let name = if plaintext.is_some() { "first admin" } else { "bootstrap admin" };
    super::audited(db, Actor::System, async |txn| {
        let k = repo::keys::insert(txn, name, Role::Admin, None, &hash)
            .await
            .during("storing the admin key")?;
        let entry = Entry {
            action: "key.bootstrap",
            entity: "api_key",
            entity_id: k.id.to_string(),
            unit_id: None,
            reason: None,
            detail: serde_json::json!({"role": "admin", "source": source}),
        };
        Ok(((), Some(entry)))
    })
    .await?;
    Ok(plaintext)
}
