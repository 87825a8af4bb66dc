//! Addresses of TVs that cannot pair (DLNA renderers, players opening a URL): an IP
//! registered to one station, so plays from it count for that station.

use std::net::IpAddr;

use super::store::{self, read};
use super::{Address, Stations, StationsError};

/// Parses an address a clerk typed: an IPv4 or IPv6 address (brackets allowed), in its
/// canonical form (an IPv4-mapped IPv6 address is the IPv4 address). Unspecified and
/// multicast addresses are refused: no TV has them.
pub fn parse_address(text: &str) -> Result<IpAddr, StationsError> {
    let t = text.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(t);
    let ip: IpAddr = t.parse().map_err(|_| {
        StationsError::Invalid(format!(
            "地址 {:?} 不是有效的 IP 地址（例如 192.168.1.20）",
            text.chars().take(64).collect::<String>()
        ))
    })?;
    let ip = ip.to_canonical();
    let broadcast = matches!(ip, IpAddr::V4(v4) if v4.is_broadcast());
    if ip.is_unspecified() || ip.is_multicast() || broadcast {
        return Err(StationsError::Invalid(format!(
            "地址 {ip} 不是一台电视的地址（unspecified, multicast or broadcast）"
        )));
    }
    Ok(ip)
}

impl Stations {
    /// Registers an address to a station. Returns it and whether it is new; an address
    /// already registered to this station is returned as it is, one of another station is
    /// refused.
    pub fn add_address(
        &self,
        station_id: &str,
        ip: IpAddr,
    ) -> Result<(Address, bool), StationsError> {
        let station = self.require_active(station_id)?;
        let address = Address {
            address: ip.to_canonical().to_string(),
            station_id: station.id.clone(),
            added_at: store::now(),
        };
        let key = address.address.as_bytes();
        let json = serde_json::to_vec(&address)?;
        let tree = &self.trees.addresses;
        if let Err(taken) = tree.compare_and_swap(key, None as Option<&[u8]>, Some(json.clone()))? {
            let Some(current) = taken.current else {
                // Removed between our read and write: the caller may simply try again.
                return Err(StationsError::Invalid("请重试（please try again）".into()));
            };
            let existing: Address = serde_json::from_slice(&current)?;
            if existing.station_id == station.id {
                return Ok((existing, false));
            }
            let code = match self.get(&existing.station_id)? {
                Some(other) => other.code,
                None => existing.station_id,
            };
            return Err(StationsError::AddressTaken {
                address: address.address,
                code,
            });
        }
        let detail = serde_json::json!({ "address": address.address });
        if let Err(e) = self.record(&station, "address_added", detail) {
            let _ = tree.compare_and_swap(key, Some(json), None as Option<&[u8]>);
            return Err(e);
        }
        self.trees.flush()?;
        Ok((address, true))
    }

    /// The addresses registered to a station, in address order.
    pub fn addresses(&self, station_id: &str) -> Result<Vec<Address>, StationsError> {
        self.require(station_id)?;
        store::all(&self.trees.addresses, |a: &Address| {
            a.station_id == station_id
        })
    }

    /// Takes an address off a station; its plays are then no longer the station's.
    pub fn remove_address(&self, station_id: &str, ip: IpAddr) -> Result<Address, StationsError> {
        let station = self.require(station_id)?;
        let key = ip.to_canonical().to_string();
        let found: Option<Address> = read(&self.trees.addresses, key.as_bytes())?;
        let address = found
            .filter(|a| a.station_id == station.id)
            .ok_or(StationsError::UnknownAddress(key))?;
        let detail = serde_json::json!({ "address": address.address });
        self.record(&station, "address_removed", detail)?;
        self.trees
            .remove(&self.trees.addresses, address.address.as_bytes())?;
        Ok(address)
    }

    /// The station a TV that cannot pair (DLNA) was registered to by its address.
    pub fn station_for_address(&self, ip: IpAddr) -> Result<Option<String>, StationsError> {
        let key = ip.to_canonical().to_string();
        let found: Option<Address> = read(&self.trees.addresses, key.as_bytes())?;
        Ok(found.map(|a| a.station_id))
    }
}
