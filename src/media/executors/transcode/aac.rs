//! The sound's last two stages, each on a thread of its own, fed through queues:
//! the loudness graph (EBU R128 `loudnorm`, single pass, which works at 192 kHz) and the
//! AAC-LC encoder whose packets every rung shares. The caller's thread decodes, mixes to
//! 48 kHz stereo and writes; the two cores then share the loudness filter, the encoder and
//! the picture, so the first segment of a just-in-time run is not held back by the
//! loudness filter's CPU, and a film whose picture is copied (where the sound is all the
//! work) takes about the longest stage rather than their sum. The packets are the ones a
//! single thread makes, in the same order.

use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use ffmpeg::{codec, encoder, format, frame, ChannelLayout, Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::audio::retime;
use super::encode::{ffmpeg_output, output, SAMPLE_RATE};
use super::graph::{self, AAC_FRAME_SAMPLES};
use super::interleave::Interleaved;
use super::is_again;
use crate::media::protocol::MediaFailure;

/// AAC-LC bit rate, bit/s (the ladder's audio rung).
const AUDIO_BIT_RATE: usize = 128_000;

/// Blocks of sound waiting for the loudness thread, at most: more than the sound the
/// pictures wait for (`SOUND_LEAD_S` in `run`, 3.3 s; 384 blocks are 8 s of 1024-sample
/// blocks, 12 s of AC-3's), so that at the start of a run the decoding thread reads that
/// far ahead at once and turns to the pictures while the loudness thread catches up on
/// the other core. In a steady run the queue stays nearly empty (the filter is many
/// times faster than the picture).
const LEVEL_QUEUE_BLOCKS: usize = 384;
/// Blocks of levelled sound waiting for the encoder, at most (about a third of a second).
const AAC_QUEUE_FRAMES: usize = 16;

/// The loudness graph and the AAC-LC stereo 48 kHz encoder, on their threads; the packets
/// go to every rung, written on the caller's thread.
pub(super) struct AacEncoder {
    parameters: codec::Parameters,
    /// None once the end of the sound has been sent.
    blocks: Option<SyncSender<frame::Audio>>,
    packets: Receiver<Result<Packet, MediaFailure>>,
    threads: Vec<JoinHandle<()>>,
}

impl AacEncoder {
    /// Opens FFmpeg's native AAC encoder at 128 kb/s for 48 kHz stereo planar float, and
    /// starts its thread and the loudness graph's (normalising when `loudnorm`).
    pub fn open(loudnorm: bool) -> Result<AacEncoder, MediaFailure> {
        let codec = encoder::find(codec::Id::AAC)
            .ok_or_else(|| output("FFmpeg was built without an AAC encoder".into()))?;
        let mut context = codec::context::Context::new_with_codec(codec);
        context.set_flags(codec::Flags::GLOBAL_HEADER);
        let mut setup = context
            .encoder()
            .audio()
            .map_err(ffmpeg_output("AAC setup"))?;
        setup.set_rate(SAMPLE_RATE);
        setup.set_channel_layout(ChannelLayout::STEREO);
        setup.set_format(format::Sample::F32(format::sample::Type::Planar));
        setup.set_bit_rate(AUDIO_BIT_RATE);
        setup.set_time_base(Rational(1, SAMPLE_RATE));
        let encoder = setup.open_as(codec).map_err(ffmpeg_output("AAC open"))?;
        let parameters = codec::Parameters::from(&encoder);
        let (blocks, level_queue) = sync_channel(LEVEL_QUEUE_BLOCKS);
        let (levelled, encoder_queue) = sync_channel(AAC_QUEUE_FRAMES);
        let (done, packets) = channel();
        let level_done = done.clone();
        let spawn = |name: &str, work: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(work)
                .map_err(|e| output(format!("cannot start the {name} thread: {e}")))
        };
        let encoding = spawn(
            "aac",
            Box::new(move || encode_all(encoder, &encoder_queue, &done)),
        )?;
        let levelling = spawn(
            "loudness",
            Box::new(move || level_all(loudnorm, &level_queue, &levelled, &level_done)),
        )?;
        Ok(AacEncoder {
            parameters,
            blocks: Some(blocks),
            packets,
            threads: vec![levelling, encoding],
        })
    }

    /// The output stream's parameters and the time base of its packets.
    pub fn stream(&self) -> (codec::Parameters, Rational) {
        (self.parameters.clone(), Rational(1, SAMPLE_RATE))
    }

    /// Queues one block of samples (timestamps in 1/48000 s) for levelling and encoding,
    /// and writes each packet made so far to stream `stream` of every writer.
    pub fn encode(
        &mut self,
        samples: &frame::Audio,
        writers: &mut [Interleaved],
        stream: usize,
    ) -> Result<(), MediaFailure> {
        let sent = self.blocks.as_ref().map(|b| b.send(samples.clone()));
        if !matches!(sent, Some(Ok(()))) {
            // A thread stopped: its error is waiting among the packets.
            return self.finish(writers, stream).and(Err(output(
                "the AAC encoder stopped before the end of the sound".into(),
            )));
        }
        while let Ok(packet) = self.packets.try_recv() {
            write_everywhere(&packet?, writers, stream)?;
        }
        Ok(())
    }

    /// Ends the sound, waits for the loudness graph and the encoder to flush and writes
    /// what they made.
    pub fn finish(
        &mut self,
        writers: &mut [Interleaved],
        stream: usize,
    ) -> Result<(), MediaFailure> {
        self.blocks = None;
        while let Ok(packet) = self.packets.recv() {
            write_everywhere(&packet?, writers, stream)?;
        }
        for thread in self.threads.drain(..) {
            thread
                .join()
                .map_err(|_| output("a sound thread panicked".into()))?;
        }
        Ok(())
    }
}

/// The encoder thread: encodes every block it is sent, sends back every packet (or the
/// first error), and flushes when the sender hangs up.
fn encode_all(
    mut encoder: encoder::audio::Encoder,
    blocks: &Receiver<frame::Audio>,
    packets: &Sender<Result<Packet, MediaFailure>>,
) {
    let drain = |encoder: &mut encoder::audio::Encoder| {
        crate::media::executors::encoded::drain_encoder(
            encoder,
            i64::from(AAC_FRAME_SAMPLES),
            |packet| {
                packets
                    .send(Ok(packet.clone()))
                    .map_err(|_| output("nobody takes the AAC packets".into()))
            },
        )
    };
    let result = blocks
        .iter()
        .try_for_each(|samples| {
            encoder
                .send_frame(&samples)
                .map_err(ffmpeg_output("AAC encode"))?;
            drain(&mut encoder)
        })
        .and_then(|()| {
            encoder.send_eof().map_err(ffmpeg_output("AAC flush"))?;
            drain(&mut encoder)
        });
    if let Err(failure) = result {
        // The receiver may be gone (the run failed elsewhere): nothing else to tell.
        let _ = packets.send(Err(failure));
    }
}

/// The loudness thread: levels every block it is sent and passes what its graph gives on to
/// the encoder's queue, flushing the graph when the sender hangs up (then the encoder's
/// queue hangs up too). A block the graph refuses is lost, not the film.
fn level_all(
    loudnorm: bool,
    blocks: &Receiver<frame::Audio>,
    levelled: &SyncSender<frame::Audio>,
    packets: &Sender<Result<Packet, MediaFailure>>,
) {
    let result = graph::level_graph(loudnorm)
        .map_err(|e| output(format!("loudness filter graph: {e}")))
        .and_then(|mut graph| {
            for samples in blocks.iter() {
                let mut source = graph.get("in").ok_or_else(no_source)?;
                let _ = source.source().add(&samples);
                pass_levelled(&mut graph, levelled)?;
            }
            let mut source = graph.get("in").ok_or_else(no_source)?;
            // Fails only when the source had already ended.
            let _ = source.source().flush();
            pass_levelled(&mut graph, levelled)
        });
    if let Err(failure) = result {
        // The receiver may be gone (the run failed elsewhere): nothing else to tell.
        let _ = packets.send(Err(failure));
    }
}

/// Moves every block waiting at the loudness graph's sink to the encoder's queue.
fn pass_levelled(
    graph: &mut ffmpeg::filter::Graph,
    levelled: &SyncSender<frame::Audio>,
) -> Result<(), MediaFailure> {
    let mut sink = graph
        .get(&graph::sink_name(0))
        .ok_or_else(|| output("the loudness graph lost its sink".into()))?;
    let sink_tb = sink.sink().time_base();
    loop {
        let mut samples = frame::Audio::empty();
        match sink.sink().frame(&mut samples) {
            Ok(()) => {}
            Err(e) if is_again(&e) => return Ok(()),
            Err(e) => return Err(output(format!("loudness filter graph: {e}"))),
        }
        retime(&mut samples, sink_tb);
        levelled
            .send(samples)
            .map_err(|_| output("the AAC encoder stopped before the end of the sound".into()))?;
    }
}

fn no_source() -> MediaFailure {
    output("the loudness graph lost its source".into())
}

/// Writes one AAC packet to stream `stream` of every writer.
fn write_everywhere(
    packet: &Packet,
    writers: &mut [Interleaved],
    stream: usize,
) -> Result<(), MediaFailure> {
    let time_base = Rational(1, SAMPLE_RATE);
    writers
        .iter_mut()
        .try_for_each(|w| w.write(stream, packet, time_base))
}
