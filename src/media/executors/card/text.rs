//! The card's text: line breaking that suits Chinese (a break may fall between any two
//! characters, but Latin words stay whole and closing punctuation never starts a line),
//! shrink-to-fit, centring, and rasterising glyphs with ab_glyph.

use ab_glyph::{point, Font, FontVec, GlyphId, ScaleFont};

use super::Canvas;

/// Horizontal room kept clear on each side, matching the gold rules.
const MARGIN_X: f32 = 40.0;
/// Height the text block may use: between the rules, with some air.
const TEXT_HEIGHT: f32 = 196.0;
/// Title sizes tried, largest first, in pixels.
const TITLE_PX_MAX: f32 = 46.0;
const TITLE_PX_MIN: f32 = 22.0;
const TITLE_PX_STEP: f32 = 2.0;
const MAX_TITLE_LINES: usize = 3;
const SUBTITLE_PX_MAX: f32 = 20.0;
const SUBTITLE_PX_MIN: f32 = 14.0;
/// Space between the title and the subtitle.
const GAP: f32 = 12.0;
/// Line spacing as a multiple of the font's ascent-to-descent height.
const LEADING: f32 = 1.15;

const TITLE_COLOUR: [u8; 3] = [255, 252, 242];
const SUBTITLE_COLOUR: [u8; 3] = [240, 214, 150];
/// A soft dark shadow under the letters keeps thin strokes legible on the red.
const SHADOW_COLOUR: [u8; 3] = [40, 0, 0];
const SHADOW_ALPHA: f32 = 0.6;

/// Characters that close or follow what comes before them, so never begin a line (禁则).
const NO_LINE_START: &str = "，。、；：？！）》」』】〕〉”’…·—,.;:?!)]}%";

/// Draws the title (wrapped, shrunk to fit) and the subtitle, centred as one block.
pub(super) fn draw_title_block(canvas: &mut Canvas, font: &FontVec, title: &str, subtitle: &str) {
    let max_w = canvas.width() as f32 - 2.0 * MARGIN_X;
    let (title, subtitle) = (clean(title), clean(subtitle));
    let sub = (!subtitle.is_empty()).then(|| fit_one_line(font, &subtitle, max_w));
    let sub_h = sub
        .as_ref()
        .map_or(0.0, |(px, _)| line_height(font, *px) + GAP);
    let (px, lines) = fit_title(font, &title, max_w, TEXT_HEIGHT - sub_h);
    let title_h = lines.len() as f32 * line_height(font, px);
    let mut top = ((canvas.height() as f32 - title_h - sub_h) / 2.0).round();
    for line in &lines {
        draw_line(canvas, font, px, line, top, TITLE_COLOUR);
        top += line_height(font, px);
    }
    if let Some((px, line)) = sub {
        draw_line(canvas, font, px, &line, top + GAP, SUBTITLE_COLOUR);
    }
}

/// The largest title size whose wrapped lines fit; at the smallest size, what fits with "…".
fn fit_title(font: &FontVec, title: &str, max_w: f32, max_h: f32) -> (f32, Vec<String>) {
    if title.is_empty() {
        return (TITLE_PX_MAX, Vec::new());
    }
    let mut px = TITLE_PX_MAX;
    loop {
        let lines = wrap(font, px, title, max_w);
        let fits =
            lines.len() <= MAX_TITLE_LINES && lines.len() as f32 * line_height(font, px) <= max_h;
        if fits {
            return (px, balance(font, px, title, lines, max_w));
        }
        if px - TITLE_PX_STEP < TITLE_PX_MIN {
            let room = ((max_h / line_height(font, px)) as usize).clamp(1, MAX_TITLE_LINES);
            return (px, keep_lines(font, px, lines, room, max_w));
        }
        px -= TITLE_PX_STEP;
    }
}

/// The same number of lines, made as even as possible: the narrowest width that still
/// needs no more lines (so 11 characters break 6 + 5, not 10 + a lone 1).
fn balance(font: &FontVec, px: f32, text: &str, lines: Vec<String>, max_w: f32) -> Vec<String> {
    if lines.len() < 2 {
        return lines;
    }
    let (mut lo, mut hi) = (measure(font, px, text) / lines.len() as f32, max_w);
    let mut best = lines;
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        let trial = wrap(font, px, text, mid);
        if trial.len() <= best.len() {
            best = trial;
            hi = mid;
        } else {
            lo = mid;
        }
    }
    best
}

/// One line at the largest subtitle size that fits, else the smallest, cut with "…".
fn fit_one_line(font: &FontVec, text: &str, max_w: f32) -> (f32, String) {
    let mut px = SUBTITLE_PX_MAX;
    while measure(font, px, text) > max_w && px > SUBTITLE_PX_MIN {
        px -= 1.0;
    }
    (px, ellipsize(font, px, text, max_w))
}

/// Greedy line breaking of `text` into lines at most `max_w` wide (closing punctuation may
/// overhang by one glyph rather than start a line).
pub(super) fn wrap(font: &FontVec, px: f32, text: &str, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for unit in units(font, px, text, max_w) {
        let sticks = unit
            .chars()
            .next()
            .is_some_and(|c| NO_LINE_START.contains(c));
        let longer = format!("{line}{unit}");
        if line.is_empty() || sticks || measure(font, px, &longer) <= max_w {
            line = longer;
            continue;
        }
        lines.push(line.trim_end().to_owned());
        line = unit.trim_start().to_owned();
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Unbreakable pieces: a Latin word or number, or one other character. A word wider than a
/// whole line is split into characters.
fn units(font: &FontVec, px: f32, text: &str, max_w: f32) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut prev_word = false;
    for c in text.chars() {
        let word = c.is_ascii_alphanumeric();
        match units.last_mut() {
            Some(last) if word && prev_word => last.push(c),
            _ => units.push(c.to_string()),
        }
        prev_word = word;
    }
    units
        .into_iter()
        .flat_map(|u| {
            if measure(font, px, &u) > max_w {
                u.chars().map(String::from).collect()
            } else {
                vec![u]
            }
        })
        .collect()
}

/// The first `room` lines, the last of them ending in "…" when text was left out.
fn keep_lines(
    font: &FontVec,
    px: f32,
    mut lines: Vec<String>,
    room: usize,
    max_w: f32,
) -> Vec<String> {
    if lines.len() <= room {
        return lines;
    }
    let rest: String = lines.drain(room - 1..).collect();
    lines.push(ellipsize(font, px, &format!("{rest}…"), max_w));
    lines
}

/// `text` if it fits in `max_w`, else as much of it as fits followed by "…".
fn ellipsize(font: &FontVec, px: f32, text: &str, max_w: f32) -> String {
    if measure(font, px, text) <= max_w {
        return text.to_owned();
    }
    let mut kept: String = text.trim_end_matches('…').to_owned();
    while !kept.is_empty() && measure(font, px, &format!("{kept}…")) > max_w {
        kept.pop();
    }
    format!("{}…", kept.trim_end())
}

/// Control characters (line breaks from a file name or a form) become single spaces.
fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn line_height(font: &FontVec, px: f32) -> f32 {
    font.as_scaled(px).height() * LEADING
}

/// Advance width of `text` at `px`, kerning included.
pub(super) fn measure(font: &FontVec, px: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(px);
    let mut width = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        width += prev.map_or(0.0, |p| scaled.kern(p, id)) + scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Draws one line centred horizontally, its line box starting at `top`: all the shadows
/// first, so no shadow falls on a neighbouring letter.
fn draw_line(canvas: &mut Canvas, font: &FontVec, px: f32, text: &str, top: f32, colour: [u8; 3]) {
    let scaled = font.as_scaled(px);
    let baseline = top + (line_height(font, px) - scaled.height()) / 2.0 + scaled.ascent();
    let mut x = ((canvas.width() as f32 - measure(font, px, text)) / 2.0).round();
    let mut prev: Option<GlyphId> = None;
    let mut outlines = Vec::new();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        x += prev.map_or(0.0, |p| scaled.kern(p, id));
        outlines.extend(font.outline_glyph(id.with_scale_and_position(px, point(x, baseline))));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    for (offset, paint, alpha) in [(2, SHADOW_COLOUR, SHADOW_ALPHA), (0, colour, 1.0)] {
        for outline in &outlines {
            let min = outline.px_bounds().min;
            let (ox, oy) = (min.x as i32 + offset, min.y as i32 + offset);
            outline.draw(|gx, gy, cov| {
                canvas.blend(ox + gx as i32, oy + gy as i32, paint, cov * alpha)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> &'static FontVec {
        super::super::cjk_font().expect("fonts-wqy-zenhei is installed where tests run")
    }

    #[test]
    fn a_long_chinese_title_wraps_into_lines_no_wider_than_the_card() {
        let title = "中国共产党第二十次全国代表大会精神宣讲暨乡村振兴战略专题辅导报告会实况录音";
        let lines = wrap(font(), 40.0, title, 400.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), title, "nothing lost or added");
        for line in &lines {
            assert!(measure(font(), 40.0, line) <= 400.0, "{line}");
        }
    }

    #[test]
    fn a_too_long_title_shrinks_then_ends_with_an_ellipsis_within_three_lines() {
        let title = "党史学习教育".repeat(20);
        let (px, lines) = fit_title(font(), &title, 400.0, TEXT_HEIGHT);
        assert_eq!(px, TITLE_PX_MIN);
        assert_eq!(lines.len(), MAX_TITLE_LINES);
        assert!(lines[2].ends_with('…'), "{lines:?}");
        assert!(lines.iter().all(|l| measure(font(), px, l) <= 400.0));
    }

    #[test]
    fn a_title_needing_two_lines_is_split_evenly() {
        let (_, lines) = fit_title(font(), "学习贯彻党的二十大精神", 400.0, TEXT_HEIGHT);
        let counts: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert_eq!(counts, vec![6, 5]);
    }

    #[test]
    fn a_short_title_stays_large_on_one_line() {
        let (px, lines) = fit_title(font(), "党课", 400.0, TEXT_HEIGHT);
        assert_eq!((px, lines), (TITLE_PX_MAX, vec!["党课".to_owned()]));
    }

    #[test]
    fn closing_punctuation_never_starts_a_line_and_latin_words_stay_whole() {
        let width = measure(font(), 30.0, "学习宣传贯彻");
        let lines = wrap(font(), 30.0, "学习宣传贯彻，Party School", width);
        assert!(
            lines.iter().skip(1).all(|l| !l.starts_with('，')),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.contains("Party")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("School")), "{lines:?}");
    }

    #[test]
    fn line_breaks_and_tabs_in_a_title_become_single_spaces() {
        assert_eq!(clean(" 第一课\n\t 党章 "), "第一课 党章");
    }
}
