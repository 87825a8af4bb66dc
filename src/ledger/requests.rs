//! What the county needs of a township's ledger beyond export: a checkpoint of any durable
//! length (each batch of a push ends with one) and signatures over requests to the county,
//! made with the ledger's key under their own context so they never pass for checkpoints.

use super::{keys, ChainHash, Checkpoint, Ledger, LedgerError};

impl Ledger {
    /// A signed checkpoint of the first `size` entries (at most the durable length): what a
    /// batch of a push to the county ends with. The root is read back from the log.
    pub fn checkpoint_at(&self, size: u64) -> Result<Checkpoint, LedgerError> {
        let tip = self.committer.tip();
        if size > tip.len {
            return Err(LedgerError::NoSuchSeq {
                seq: size,
                len: tip.len,
            });
        }
        let root = match size {
            0 => ChainHash::ZERO,
            n => match self.iter_to(n - 1, tip)?.next() {
                Some(entry) => entry?.hash,
                None => {
                    return Err(LedgerError::NoSuchSeq {
                        seq: n - 1,
                        len: tip.len,
                    })
                }
            },
        };
        let signer = self.signer_or_missing()?;
        Ok(Checkpoint::sign(signer, size, root))
    }

    /// Signs a request to the county with the ledger's key. The signature covers
    /// [`keys::REQUEST_CONTEXT`] followed by `message`, so it can never pass for a checkpoint
    /// signature (whose body starts with the origin line).
    pub fn sign_request(&self, message: &[u8]) -> Result<[u8; 64], LedgerError> {
        let signer = self.signer_or_missing()?;
        Ok(signer.sign(&[keys::REQUEST_CONTEXT, message].concat()))
    }
}
