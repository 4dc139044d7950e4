//! The client ids in use, shared by every connection of one simulator.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Client ids of live sessions.
#[derive(Debug, Default)]
pub struct ClientIds {
    in_use: Mutex<HashSet<i32>>,
}

/// A claimed client id; dropping it frees the id.
#[derive(Debug)]
pub struct Claim {
    registry: Arc<ClientIds>,
    id: i32,
}

impl ClientIds {
    /// Claims `id`, or `None` when a live session already holds it.
    pub fn claim(self: &Arc<Self>, id: i32) -> Option<Claim> {
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        in_use.insert(id).then(|| Claim {
            registry: Arc::clone(self),
            id,
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.registry
            .in_use
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_and_release() {
        let ids = Arc::new(ClientIds::default());
        let first = ids.claim(0).unwrap();
        assert!(ids.claim(0).is_none());
        let _other = ids.claim(1).unwrap();
        drop(first);
        assert!(ids.claim(0).is_some());
    }
}
