//! Where the queue's [`Signals`] come from: the plans every station in use has made for
//! this quarter (the township's calendar; the latest plan entry of each, as the 季报 reads
//! it) and the films a just-in-time producer is working on now (somebody is watching them).

use std::sync::Arc;

use crate::jit::Jit;
use crate::records::Days;
use crate::reports::Reports;
use crate::stations::Stations;

use super::order::{Signals, SignalsHook};

/// Gathers the signals from the ledger's plans and the just-in-time registry. A station
/// whose plan cannot be read is logged and left out: the queue still runs.
pub fn source(
    reports: Arc<Reports>,
    stations: Arc<Stations>,
    days: Days,
    jit: Arc<Jit>,
) -> SignalsHook {
    Box::new(move || Signals {
        planned: planned(&reports, &stations, &days),
        watching: jit
            .producing()
            .into_iter()
            .map(|id| id.as_str().to_owned())
            .collect(),
    })
}

fn planned(
    reports: &Reports,
    stations: &Stations,
    days: &Days,
) -> std::collections::HashSet<String> {
    let today = days.today();
    let list = match stations.list() {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = ?e, "cannot list the stations for the preparation order");
            return Default::default();
        }
    };
    let mut films = std::collections::HashSet::new();
    for station in list.iter().filter(|s| !s.is_retired()) {
        match reports.quarterly(&station.id, today.year(), today.quarter()) {
            Ok(report) => films.extend(
                report
                    .plan
                    .into_iter()
                    .flat_map(|p| p.items)
                    .map(|i| i.film_id),
            ),
            Err(e) => {
                tracing::warn!(station = %station.id, error = ?e, "cannot read a station's plan for the preparation order")
            }
        }
    }
    films
}
