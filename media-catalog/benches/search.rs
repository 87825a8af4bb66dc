//! Search benchmark: 100,000 synthetic Chinese titles indexed in RAM, then a mixed query set
//! (Chinese words, substrings, pinyin spellings, initials prefixes) timed per query, beside a
//! named reference: a naive substring scan over the same titles, which is what SQL
//! `LIKE '%q%'` does (Chinese queries only: a scan cannot match pinyin).
//!
//! Also measures resident memory (Linux `VmRSS`) of jieba and of a 1,000-film on-disk index.
//! Run: `cargo bench -p media-catalog --bench search`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use media_catalog::search::{SearchFilters, SearchIndex};
use media_catalog::{Category, Film, FilmId, FilmState, Fingerprint, SourceFile};
use pinyin::ToPinyin;

const FILMS: usize = 100_000;
const QUERIES_PER_KIND: usize = 600;
const PAGE: usize = 20;

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "党章", "电视", "教材", "先进性", "教育", "农村", "实用", "技术", "养殖", "种植", "典型", "事迹", "荣辱观", "基层", "组织",
    "建设", "党员", "干部", "学习", "辅导", "讲座", "专题", "纪实", "科学", "发展观", "新农村", "致富", "带头人", "村官", "大学生",
    "创业", "果树", "栽培", "蔬菜", "大棚", "生猪", "肉牛", "奶牛", "家禽", "水产", "防疫", "病虫害", "防治", "土壤", "肥料",
    "农机", "合作社", "乡村", "振兴", "脱贫", "攻坚", "精准", "扶贫", "廉政", "警示", "反腐", "倡廉", "法律", "法规", "普法",
    "宣传", "民主", "管理", "村务", "公开", "党风", "作风", "群众", "路线", "实践", "活动", "两学一做", "不忘初心", "牢记使命",
    "主题", "理想", "信念", "革命", "传统", "长征", "延安", "精神", "井冈山", "红色", "故事", "英雄", "人物", "模范", "先锋",
    "榜样", "劳动", "道德", "文明", "乡风", "家风", "孝老", "爱亲", "环境", "保护", "生态", "绿色", "卫生", "健康", "医疗",
    "保险", "养老", "社会", "保障", "安全", "生产", "消防", "交通", "食品", "就业", "培训", "职业", "技能", "电子", "商务",
    "网络", "信息化", "茶叶", "中药材", "食用菌", "花卉", "苗木", "水稻", "小麦", "玉米", "棉花", "油菜", "马铃薯", "柑橘", "苹果",
    "葡萄", "养蜂", "饲料", "兽医", "灌溉", "节水", "沼气", "能源", "农产品", "加工", "市场", "营销", "品牌", "乡镇", "企业",
    "改革", "开放", "历史", "成就", "回顾", "展望", "十八大", "十九大", "二十大", "报告", "解读", "党课", "微党课", "支部", "书记",
    "工作法", "组织生活", "三会一课", "民主评议", "发展党员", "入党", "程序", "党费", "党纪", "处分", "条例", "准则", "廉洁", "自律",
    "重要", "讲话", "宣讲", "成长", "行动", "重大", "快乐", "音乐", "银行", "长城", "重庆", "调解", "纠纷", "和谐", "平安",
    "禁毒", "防骗", "留守", "儿童", "妇女", "老人", "残疾人", "退役军人", "移民", "搬迁", "危房", "改造", "饮水", "道路", "电网",
    "广播", "远程", "终端", "站点",
];

/// A deterministic xorshift generator: the same titles and queries on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
}

fn film(n: usize, title: String) -> Film {
    Film {
        id: FilmId::parse(&format!("{n:016x}")).expect("valid id"),
        title,
        series: None,
        episode: None,
        category: Some(Category::ALL[n % 4]),
        themes: Vec::new(),
        year: Some(2000 + (n % 25) as i32),
        producer: None,
        summary: None,
        prep_notes: None,
        cues: Vec::new(),
        state: FilmState::Ready,
        reason: None,
        source: SourceFile {
            path: PathBuf::from(format!("/library/{n}.mpg")),
            name: format!("{n}.mpg"),
            fingerprint: Fingerprint {
                size: 1,
                mtime_ns: 0,
                head_tail_sha256: String::new(),
                identity: None,
            },
        },
        missing: n.is_multiple_of(50),
        media: None,
        added_at: 0,
        updated_at: 0,
    }
}

/// `count` films: a third are episodes of a series (`series 第N集`), a quarter have a summary.
fn films(count: usize) -> Vec<Film> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut series: Vec<String> = (0..count / 20)
        .map(|_| format!("{}{}", rng.word(), rng.word()))
        .collect();
    series.push("党章电视教材".to_owned());
    (0..count)
        .map(|n| {
            let words = 2 + rng.below(3);
            let title: String = (0..words).map(|_| rng.word()).collect();
            let mut f = film(n, title);
            if rng.below(3) == 0 {
                let name = series[rng.below(series.len())].clone();
                let episode = 1 + rng.below(30) as u32;
                f.title = format!("{name} 第{episode}集");
                f.series = Some(name);
                f.episode = Some(episode);
            }
            if rng.below(4) == 0 {
                f.summary = Some((0..6).map(|_| rng.word()).collect::<Vec<_>>().join("，"));
            }
            f
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Substring,
    PinyinFull,
    Initials,
    TwoTerms,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Word,
        Kind::Substring,
        Kind::PinyinFull,
        Kind::Initials,
        Kind::TwoTerms,
    ];
    /// Chinese text, which a substring scan can also answer.
    fn chinese(self) -> bool {
        matches!(self, Kind::Word | Kind::Substring)
    }
}

fn spelling(text: &str, initials: bool) -> String {
    text.to_pinyin()
        .flatten()
        .map(|p| {
            if initials {
                p.first_letter()
            } else {
                p.plain()
            }
        })
        .collect()
}

/// A query of `kind`, taken from a random title so that most queries have hits.
fn query(rng: &mut Rng, titles: &[String], kind: Kind) -> String {
    let title = &titles[rng.below(titles.len())];
    // The part before " 第N集", so that a span is a real substring.
    let title: Vec<char> = title.split(' ').next().unwrap_or(title).chars().collect();
    let span = |rng: &mut Rng, len: usize| -> String {
        let len = len.min(title.len());
        let start = rng.below(title.len() - len + 1);
        title[start..start + len].iter().collect()
    };
    match kind {
        Kind::Word => rng.word().to_owned(),
        Kind::Substring => {
            let len = 2 + rng.below(3);
            span(rng, len)
        }
        Kind::PinyinFull => {
            let len = 2 + rng.below(3);
            spelling(&span(rng, len), false)
        }
        Kind::Initials => {
            let len = 2 + rng.below(4);
            spelling(&span(rng, len), true)
        }
        Kind::TwoTerms => format!("{} {}", rng.word(), spelling(rng.word(), false)),
    }
}

/// The reference: every title scanned for the query, as `LIKE '%q%'` does; count + one page.
fn substring_scan(titles: &[String], q: &str) -> (usize, Vec<usize>) {
    let mut total = 0;
    let mut page = Vec::with_capacity(PAGE);
    for (i, title) in titles.iter().enumerate() {
        if title.contains(q) {
            total += 1;
            if page.len() < PAGE {
                page.push(i);
            }
        }
    }
    (total, page)
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn stats(mut times: Vec<Duration>) -> Stats {
    times.sort_unstable();
    let at = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)];
    Stats {
        p50: at(50),
        p99: at(99),
        max: times[times.len() - 1],
        n: times.len(),
    }
}

fn line(name: &str, s: &Stats) -> String {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    format!(
        "  {name:<34} n={:>5}  p50 {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
        s.n,
        us(s.p50),
        us(s.p99),
        us(s.max)
    )
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn dir_mb(dir: &std::path::Path) -> f64 {
    let files = std::fs::read_dir(dir).into_iter().flatten().flatten();
    files
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / 1e6
}

/// RSS at each step of a server's life with 1,000 films: start, jieba loaded, films staged
/// (writer alive), committed (writer dropped), searched.
fn memory_report() -> Vec<String> {
    let mut lines = Vec::new();
    let mut last = rss_mb();
    let mut step = |what: &str, lines: &mut Vec<String>| {
        let now = rss_mb();
        lines.push(format!(
            "  {what:<44} {now:>6.1} MB RSS  ({:+.1})",
            now - last
        ));
        last = now;
    };
    step("process start", &mut lines);
    let films = films(1_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::open(dir.path()).expect("open on disk");
    step("empty on-disk index + jieba word list", &mut lines);
    for f in &films {
        index.upsert(f).expect("upsert");
    }
    step("1,000 films staged (writer alive)", &mut lines);
    index.commit().expect("commit");
    drop(films);
    step("committed (writer dropped, memory trimmed)", &mut lines);
    for q in ["党章", "dzds", "nongcun", "养殖技术", "", "jishu peixun"] {
        index
            .search(q, &SearchFilters::default(), 0, PAGE)
            .expect("search");
    }
    step("after searches (idle state)", &mut lines);
    lines.push(format!("  index directory: {:.2} MB", dir_mb(dir.path())));
    lines
}

/// Timings of one benchmark run.
struct Run {
    build: Duration,
    rss_after_build: f64,
    /// Every query: its kind, its latency, its total hits.
    queries: Vec<(Kind, Duration, usize)>,
    /// Chinese queries only: the engine, and the reference on the same queries.
    engine_chinese: Vec<Duration>,
    scan_chinese: Vec<Duration>,
}

fn build_index(films: &[Film]) -> (SearchIndex, Duration) {
    let index = SearchIndex::open_in_ram().expect("open");
    let started = Instant::now();
    for f in films {
        index.upsert(f).expect("upsert");
    }
    index.commit().expect("commit");
    (index, started.elapsed())
}

fn run(titles: &[String], index: &SearchIndex, build: Duration) -> Run {
    let mut rng = Rng(42);
    let queries: Vec<(Kind, String)> = Kind::ALL
        .iter()
        .flat_map(|&kind| (0..QUERIES_PER_KIND).map(move |_| kind))
        .map(|kind| (kind, query(&mut rng, titles, kind)))
        .collect();
    let filters = SearchFilters::default();
    for (_, q) in queries.iter().take(200) {
        index.search(q, &filters, 0, PAGE).expect("warm-up");
    }
    let mut out = Run {
        build,
        rss_after_build: rss_mb(),
        queries: Vec::new(),
        engine_chinese: Vec::new(),
        scan_chinese: Vec::new(),
    };
    for (kind, q) in &queries {
        let t = Instant::now();
        let hits = index.search(q, &filters, 0, PAGE).expect("search");
        let elapsed = t.elapsed();
        out.queries.push((*kind, elapsed, hits.total));
        if kind.chinese() {
            out.engine_chinese.push(elapsed);
            let t = Instant::now();
            std::hint::black_box(substring_scan(titles, q));
            out.scan_chinese.push(t.elapsed());
        }
    }
    out
}

fn main() {
    let memory = memory_report();
    let films = films(FILMS);
    let titles: Vec<String> = films.iter().map(|f| f.title.clone()).collect();
    let (index, build) = build_index(&films);
    drop(films);
    let run = run(&titles, &index, build);
    summary(&run, &memory);
}

fn by_kind(run: &Run, kind: Kind) -> (Stats, usize) {
    let mine = || run.queries.iter().filter(move |(k, ..)| *k == kind);
    let hits: usize = mine().map(|(.., n)| *n).sum();
    let times: Vec<Duration> = mine().map(|(_, d, _)| *d).collect();
    let avg = hits / times.len().max(1);
    (stats(times), avg)
}

fn summary(run: &Run, memory: &[String]) {
    let all = stats(run.queries.iter().map(|(_, d, _)| *d).collect());
    let empty = run.queries.iter().filter(|(.., n)| *n == 0).count();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split(' ').next().unwrap_or("?");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let secs = run.build.as_secs_f64();
    println!("\n==================== dianjiao search benchmark ====================");
    println!("machine: {cores} cores, load average {load} (shared); release build");
    println!("corpus: {FILMS} synthetic Chinese titles (1/3 series episodes), index in RAM");
    println!(
        "build:  {secs:.2} s ({:.0} films/s), 1 writer thread, 15 MB budget",
        FILMS as f64 / secs
    );
    println!("        RSS after build {:.0} MB", run.rss_after_build);
    println!(
        "queries: {} ({empty} with no hit), page of {PAGE}, default filters",
        all.n
    );
    println!("tantivy (jieba + n-gram + pinyin), by kind:");
    for kind in Kind::ALL {
        let (stats, avg_hits) = by_kind(run, kind);
        println!(
            "{}  avg hits {avg_hits}",
            line(&format!("{kind:?}"), &stats)
        );
    }
    println!("{}", line("ALL", &all));
    println!("Chinese queries only (Word + Substring), side by side:");
    let engine = stats(run.engine_chinese.clone());
    let scan = stats(run.scan_chinese.clone());
    println!("{}", line("tantivy search", &engine));
    println!("{}", line("reference: substring scan (LIKE)", &scan));
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "  reference / tantivy: p50 x{:.1}, p99 x{:.1}",
        ratio(scan.p50, engine.p50),
        ratio(scan.p99, engine.p99)
    );
    let met = if all.p99 < Duration::from_millis(5) {
        "MET"
    } else {
        "MISSED"
    };
    println!("target p99 < 5 ms (all kinds): {met}");
    println!("memory (VmRSS), 1,000 films on disk:");
    for l in memory {
        println!("{l}");
    }
    println!("====================================================================");
}
