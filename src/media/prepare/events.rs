//! What an executor tells its caller while it works: how far into the film it has read,
//! and which segments are complete on every rung (a just-in-time viewer waits for them).

/// News from a running preparation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// Reading has reached this far into the film, seconds from its start.
    Progress(f64),
    /// Segment `index` is complete — closed and renamed into place — on every rung.
    /// Sent in segment order, as soon as the last rung has it.
    SegmentReady(usize),
}

/// Announces each segment once every rung has completed it, in order, once.
#[derive(Debug)]
pub(crate) struct Announcer {
    next: usize,
}

impl Announcer {
    /// Segments before `first` are not made, so not announced.
    pub fn new(first: usize) -> Announcer {
        Announcer { next: first }
    }

    /// `done`: for each rung, the number of the segment after its last completed one.
    /// Announces every segment now complete on all of them.
    pub fn update<I>(&mut self, done: I, events: &mut dyn FnMut(Event))
    where
        I: IntoIterator<Item = usize>,
    {
        let Some(ready) = done.into_iter().min() else {
            return;
        };
        while self.next < ready {
            events(Event::SegmentReady(self.next));
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_is_announced_once_the_slowest_rung_has_it() {
        let mut seen = Vec::new();
        let mut events = |e: Event| seen.push(e);
        let mut announcer = Announcer::new(2);
        announcer.update([3, 2], &mut events);
        announcer.update([4, 3], &mut events);
        announcer.update([4, 3], &mut events);
        announcer.update([5, 5], &mut events);
        announcer.update(std::iter::empty(), &mut events);
        let ready = [2, 3, 4].map(Event::SegmentReady);
        assert_eq!(seen, ready);
    }
}
