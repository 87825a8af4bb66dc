//! DLNA against real peers we did not write, across network namespaces (see [`netns`]).

mod browse;
mod exact;
mod faults;
mod netns;
mod office_push;
mod phone;
mod push;
mod push_routed;
mod routed;
mod safety;
mod same_subnet;
mod server;
