//! DLNA / UPnP AV: village TVs with no usable browser find the library from their own media
//! menu (SSDP, [`ssdp`]), browse it (ContentDirectory:1, [`content`]) and play `tv.mp4` or the
//! original over the existing byte-range routes, which log every fetch as an inferred play of
//! the station whose registered address made it. DLNA has no authentication: it is off unless
//! `dlna = true`, answers only on the LAN, and parses SOAP with no DTDs or entities.
//!
//! The pieces meet only through [`identity`]: the device's UUID and the URL paths below.

pub mod identity;
pub mod ssdp;

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
