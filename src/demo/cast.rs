//! Who takes part in the demo year: each demo station with its roster, a TV paired with a
//! code (it reports its showings through the TV UI), a DLNA TV registered by address (its
//! showings are inferred, or pushed to it from the office) and a player no station knows
//! by address (a paired station's box opening a film's URL: `direct`).

use std::net::{IpAddr, Ipv4Addr};

use crate::accounts::Principal;
use crate::stations::{Member, StationKind, Stations, StationsError};

/// One station and its screens.
pub struct Point {
    pub id: String,
    pub kind: StationKind,
    pub members: Vec<Member>,
    /// The paired TV, as the plays API knows a caller with its device cookie.
    pub tv: Principal,
    pub tv_ip: IpAddr,
    /// A TV registered to the station by address (DLNA).
    pub dlna_ip: IpAddr,
    /// A player on the station's LAN that is not registered by address.
    pub player_ip: IpAddr,
}

/// Pairs a TV and registers a DLNA TV for every station, in code order; the n-th station's
/// screens are at `192.168.(10 n + 10).11` (paired), `.12` (DLNA) and `.15` (player).
pub fn cast(stations: &Stations) -> Result<Vec<Point>, StationsError> {
    let mut points = Vec::new();
    for (n, station) in stations.list()?.into_iter().enumerate() {
        let net = 10 + 10 * u8::try_from(n).unwrap_or(20).min(20);
        let ip = |host| IpAddr::V4(Ipv4Addr::new(192, 168, net, host));
        let code = stations.make_pairing_code(&station.id)?;
        let paired = stations.pair(&code.code, Some(ip(11)), Some("村委会电视"))?;
        stations.add_address(&station.id, ip(12))?;
        points.push(Point {
            members: stations.members(&station.id)?,
            tv: Principal::Device {
                station: station.id.clone(),
                device: paired.device.device_id,
            },
            id: station.id,
            kind: station.kind,
            tv_ip: ip(11),
            dlna_ip: ip(12),
            player_ip: ip(15),
        });
    }
    Ok(points)
}
