//! DLNA against real peers we did not write, across network namespaces (see [`netns`]).

mod browse;
mod netns;
mod office_push;
mod phone;
mod push;
mod routed;
mod safety;
mod same_subnet;
