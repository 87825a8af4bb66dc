//! The encoders of a generated clip, one per output stream: each makes its next frame,
//! encodes it and hands the packets to the muxer in the stream's time base.

use ffmpeg::{codec, encoder, format, frame, ChannelLayout, Dictionary, Rational};
use ffmpeg_next as ffmpeg;

use super::pattern::{Pattern, Tone};
use crate::media::executors::thumb::jpeg::output_failure;
use crate::media::protocol::MediaFailure;

/// Audio sample rate of every generated clip.
pub(super) const SAMPLE_RATE: u32 = 48_000;
const AUDIO_BIT_RATE: usize = 128_000;

fn ffmpeg_failure(what: &str) -> impl Fn(ffmpeg::Error) -> MediaFailure + '_ {
    move |e| output_failure(format!("{what}: {e}"))
}

/// H.264 (libx264) picture track.
pub(super) struct VideoTrack {
    encoder: encoder::video::Encoder,
    index: usize,
    fps: u32,
    stream_tb: Rational,
    next: usize,
    total: usize,
    pattern: Pattern,
}

impl VideoTrack {
    /// Adds the stream to `octx` and opens its encoder (before the header is written).
    pub fn add(
        octx: &mut format::context::Output,
        (width, height, fps): (u32, u32, u32),
        total: usize,
        seed: u32,
    ) -> Result<VideoTrack, MediaFailure> {
        let codec = encoder::find_by_name("libx264")
            .ok_or_else(|| output_failure("FFmpeg was built without libx264".into()))?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let mut setup = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(ffmpeg_failure("libx264 setup"))?;
        setup.set_width(width);
        setup.set_height(height);
        // Browsers and TV boxes play 4:2:0 only (TOOLCHAIN: never High 4:4:4).
        setup.set_format(format::Pixel::YUV420P);
        setup.set_time_base(Rational(1, fps as i32));
        setup.set_frame_rate(Some(Rational(fps as i32, 1)));
        // A keyframe every 2 s, so HLS can cut short segments by remuxing.
        setup.set_gop(2 * fps);
        if global_header {
            setup.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut opts = Dictionary::new();
        opts.set("preset", "veryfast");
        let encoder = setup
            .open_as_with(codec, opts)
            .map_err(ffmpeg_failure("libx264 open"))?;
        let mut stream = octx
            .add_stream(codec)
            .map_err(ffmpeg_failure("add video stream"))?;
        stream.set_parameters(&encoder);
        stream.set_time_base(Rational(1, fps as i32));
        stream.set_avg_frame_rate(Rational(fps as i32, 1));
        Ok(VideoTrack {
            encoder,
            index: stream.index(),
            fps,
            stream_tb: Rational(1, fps as i32),
            next: 0,
            total,
            pattern: Pattern::new(width, height, seed),
        })
    }

    /// Takes the time base the muxer chose for the stream when it wrote the header.
    pub fn adopt_time_base(&mut self, octx: &format::context::Output) {
        if let Some(stream) = octx.stream(self.index) {
            self.stream_tb = stream.time_base();
        }
    }

    /// When the next frame is due, in seconds; `None` once all are encoded.
    pub fn due(&self) -> Option<f64> {
        (self.next < self.total).then(|| self.next as f64 / f64::from(self.fps))
    }

    pub fn push(&mut self, octx: &mut format::context::Output) -> Result<(), MediaFailure> {
        // A fresh frame each time: the encoder may still hold a reference to the last one.
        let mut picture = frame::Video::new(
            format::Pixel::YUV420P,
            self.encoder.width(),
            self.encoder.height(),
        );
        self.pattern.draw(&mut picture, self.next);
        picture.set_pts(Some(self.next as i64));
        self.encoder
            .send_frame(&picture)
            .map_err(ffmpeg_failure("libx264 encode"))?;
        self.next += 1;
        self.drain(octx)
    }

    pub fn finish(&mut self, octx: &mut format::context::Output) -> Result<(), MediaFailure> {
        self.encoder
            .send_eof()
            .map_err(ffmpeg_failure("libx264 flush"))?;
        self.drain(octx)
    }

    fn drain(&mut self, octx: &mut format::context::Output) -> Result<(), MediaFailure> {
        let enc_tb = Rational(1, self.fps as i32);
        // TOOLCHAIN: FFmpeg 5.1's libx264 wrapper leaves durations unset; one frame each.
        drain(
            &mut self.encoder,
            octx,
            self.index,
            enc_tb,
            self.stream_tb,
            1,
        )
    }
}

/// AAC (mp4) or MP3 sound track.
pub(super) struct AudioTrack {
    encoder: encoder::audio::Encoder,
    index: usize,
    stream_tb: Rational,
    next: usize,
    total: usize,
    frame_size: usize,
    tone: Tone,
}

impl AudioTrack {
    /// Adds the stream with encoder `codec_name` (`aac` or `libmp3lame`) to `octx`.
    pub fn add(
        octx: &mut format::context::Output,
        codec_name: &str,
        total: usize,
        seed: u32,
    ) -> Result<AudioTrack, MediaFailure> {
        let codec = encoder::find_by_name(codec_name).ok_or_else(|| {
            output_failure(format!("FFmpeg was built without the {codec_name} encoder"))
        })?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let mut setup = codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(ffmpeg_failure("audio encoder setup"))?;
        setup.set_rate(SAMPLE_RATE as i32);
        setup.set_channel_layout(ChannelLayout::STEREO);
        setup.set_format(format::Sample::F32(format::sample::Type::Planar));
        setup.set_bit_rate(AUDIO_BIT_RATE);
        setup.set_time_base(Rational(1, SAMPLE_RATE as i32));
        if global_header {
            setup.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let encoder = setup
            .open_as_with(codec, audio_options(codec_name))
            .map_err(ffmpeg_failure("audio encoder open"))?;
        // AAC-LC codes 1024 samples a frame, MP3 1152; 0 would mean "any size".
        let frame_size = match encoder.frame_size() {
            0 => 1024,
            n => n as usize,
        };
        let mut stream = octx
            .add_stream(codec)
            .map_err(ffmpeg_failure("add audio stream"))?;
        stream.set_parameters(&encoder);
        stream.set_time_base(Rational(1, SAMPLE_RATE as i32));
        Ok(AudioTrack {
            encoder,
            index: stream.index(),
            stream_tb: Rational(1, SAMPLE_RATE as i32),
            next: 0,
            total,
            frame_size,
            tone: Tone::new(seed, SAMPLE_RATE),
        })
    }

    /// Takes the time base the muxer chose for the stream when it wrote the header.
    pub fn adopt_time_base(&mut self, octx: &format::context::Output) {
        if let Some(stream) = octx.stream(self.index) {
            self.stream_tb = stream.time_base();
        }
    }

    /// When the next block of samples is due, in seconds; `None` once all are encoded.
    pub fn due(&self) -> Option<f64> {
        (self.next < self.total).then(|| self.next as f64 / f64::from(SAMPLE_RATE))
    }

    pub fn push(&mut self, octx: &mut format::context::Output) -> Result<(), MediaFailure> {
        // The last block may be short: both encoders accept a small last frame.
        let count = self.frame_size.min(self.total - self.next);
        let mut samples = frame::Audio::new(self.encoder.format(), count, ChannelLayout::STEREO);
        samples.set_rate(SAMPLE_RATE);
        self.tone.fill(&mut samples, self.next);
        samples.set_pts(Some(self.next as i64));
        self.encoder
            .send_frame(&samples)
            .map_err(ffmpeg_failure("audio encode"))?;
        self.next += count;
        self.drain(octx)
    }

    pub fn finish(&mut self, octx: &mut format::context::Output) -> Result<(), MediaFailure> {
        self.encoder
            .send_eof()
            .map_err(ffmpeg_failure("audio flush"))?;
        self.drain(octx)
    }

    fn drain(&mut self, octx: &mut format::context::Output) -> Result<(), MediaFailure> {
        let enc_tb = Rational(1, SAMPLE_RATE as i32);
        let size = self.frame_size as i64;
        drain(
            &mut self.encoder,
            octx,
            self.index,
            enc_tb,
            self.stream_tb,
            size,
        )
    }
}

/// Encoder options for a generated tone.
fn audio_options(codec_name: &str) -> Dictionary<'static> {
    let mut opts = Dictionary::new();
    if codec_name == "aac" {
        // Measured in-process on 8 s of the tone (2-core box): ~0.26 s of CPU with the
        // defaults, ~0.18 s with the fast coder and no intensity / mid-side stereo search.
        // Plenty for a test tone, and the output is still plain AAC-LC.
        opts.set("aac_coder", "fast");
        opts.set("aac_is", "0");
        opts.set("aac_ms", "0");
    }
    opts
}

/// Moves every packet the encoder has ready into the muxer, in the stream's time base.
fn drain(
    encoder: &mut encoder::Encoder,
    octx: &mut format::context::Output,
    index: usize,
    enc_tb: Rational,
    stream_tb: Rational,
    default_duration: i64,
) -> Result<(), MediaFailure> {
    crate::media::executors::encoded::drain_encoder(encoder, default_duration, |packet| {
        packet.set_stream(index);
        packet.rescale_ts(enc_tb, stream_tb);
        packet
            .write_interleaved(octx)
            .map_err(ffmpeg_failure("mux"))
    })
}
