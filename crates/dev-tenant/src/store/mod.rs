//! In-memory server state: pending logins, sessions, authorization codes and refresh-token
//! families, each store bounded in size and pruned in expiry order.

mod expiring;
mod limits;
mod memory;
mod records;
mod refresh;

pub use expiring::ExpiringMap;
pub use limits::{LOGIN_LIFETIME_SECONDS, REDEEMED_CODE_MEMORY_SECONDS, StoreLimits, StoreSizes};
pub use memory::Store;
pub use records::{CodeRecord, LoginTransaction, Session};
pub use refresh::{RefreshFamilies, RefreshPolicy, RefreshRefusal};
