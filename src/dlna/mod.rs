//! DLNA / UPnP AV: village TVs with no usable browser find the library from their own media
//! menu (SSDP, [`ssdp`]), browse it (ContentDirectory:1, [`content`]) and play `tv.mp4` or the
//! original over the existing byte-range routes, which log every fetch as an inferred play of
//! the station whose registered address made it. DLNA has no authentication: it is off unless
//! `dlna = true`, answers only on the LAN, and parses SOAP with no DTDs or entities.
//!
//! The pieces meet only through [`identity`]: the device's UUID and the URL paths below.
//! The HTTP side: [`description`] (device, SCPDs, icons), [`soap`] (control requests and
//! faults), [`control`] (the actions), [`content`] and [`directory`] (the tree and its
//! listings), [`didl`] (DIDL-Lite) and [`profile`] (protocolInfo, DLNA profile names).
//! The other way round, [`renderers`] finds the TVs' own renderers for pushing films to them.

pub mod content;
pub mod control;
pub mod description;
pub mod didl;
pub mod directory;
pub mod identity;
pub mod profile;
pub mod renderers;
pub mod soap;
pub mod ssdp;

use std::path::Path;
use std::sync::OnceLock;

/// The name TVs show: `dlna_name`, else `<township>电教片库`.
pub fn friendly_name(settings: &crate::config::Settings) -> String {
    match settings.dlna_name.trim() {
        "" => format!("{}电教片库", settings.township.trim()),
        name => name.to_owned(),
    }
}

/// The MediaServer's state kept between requests: its UUID (read once) and the tree.
#[derive(Default)]
pub struct Dlna {
    uuid: OnceLock<String>,
    /// The browsable tree, rebuilt when the catalog changes.
    pub tree: content::Tree,
    /// TV renderers seen by the renderer search, for pushing films.
    pub renderers: std::sync::Arc<renderers::Renderers>,
    /// Films pushed to renderers, each polled for the exact record.
    pub pushes: std::sync::Arc<renderers::push::Pushes>,
}

impl Dlna {
    /// With the renderers kept in `db` (locations the office registered).
    pub fn open(db: &sled::Db) -> Result<Dlna, renderers::known::KnownError> {
        Ok(Dlna {
            renderers: std::sync::Arc::new(renderers::Renderers::open(db)?),
            ..Dlna::default()
        })
    }

    /// The device's `uuid:…` (see [`identity::device_uuid`]), read or made on first use.
    pub fn uuid(&self, data: &Path) -> std::io::Result<String> {
        if let Some(u) = self.uuid.get() {
            return Ok(u.clone());
        }
        let made = identity::device_uuid(data)?;
        Ok(self.uuid.get_or_init(|| made).clone())
    }
}

/// The root device description (`LOCATION` in every SSDP message).
pub const DESCRIPTION_PATH: &str = "/dlna/description.xml";
/// ContentDirectory:1 — its SCPD and its SOAP control URL.
pub const CDS_SCPD_PATH: &str = "/dlna/cds.xml";
pub const CDS_CONTROL_PATH: &str = "/dlna/cds/control";
pub const CDS_EVENT_PATH: &str = "/dlna/cds/event";
/// ConnectionManager:1.
pub const CM_SCPD_PATH: &str = "/dlna/cm.xml";
pub const CM_CONTROL_PATH: &str = "/dlna/cm/control";
pub const CM_EVENT_PATH: &str = "/dlna/cm/event";
/// X_MS_MediaReceiverRegistrar:1 (Xbox and some Samsung sets ask for it).
pub const MRR_SCPD_PATH: &str = "/dlna/mrr.xml";
pub const MRR_CONTROL_PATH: &str = "/dlna/mrr/control";
pub const MRR_EVENT_PATH: &str = "/dlna/mrr/event";
