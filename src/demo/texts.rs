//! What the demo year's people write: discussion notes after a showing, feedback, the
//! monthly 电教信息 and the places of pastoral sessions. Picked in turn, so a register
//! reads like a year of real entries rather than one line repeated.

/// Discussion after a showing (讨论登记薄).
pub const DISCUSSIONS: &[&str] = &[
    "大家结合本村实际谈了学习体会，一致认为要把党章要求落实到为群众办实事上。",
    "党员们讨论了如何发挥先锋模范作用，王建国提出带头参加村道硬化义务劳动。",
    "围绕片中典型事迹展开讨论，大家表示要学习先进、对照检查、立行立改。",
    "讨论了今年养殖业的难点，几位党员交流了防疫经验，约定下月互相上门看看。",
    "老党员讲了自己入党时的经历，年轻党员很受触动，表示要多向老同志请教。",
    "大家对大棚技术很感兴趣，提出希望乡里请技术员来现场讲一次。",
    "讨论了村规民约修订，党员们分组收集群众意见，下次党员活动日汇总。",
    "结合荣辱观教育，大家谈了移风易俗、红白事简办的想法，形成三条倡议。",
];

/// Feedback sent upward (信息反馈薄).
pub const FEEDBACK: &[&str] = &[
    "本片内容贴近实际，党员反映很好，希望多配发同类影片。",
    "影片画面清晰，但部分老党员听方言较吃力，建议配字幕。",
    "希望下季度增加农村实用技术类影片，特别是肉牛养殖。",
    "村里电视机遥控器不灵，已自行更换电池，放映正常。",
    "外出务工党员较多，建议在春节前后集中安排一次重点片放映。",
];

/// 电教信息: title and text, one a month.
pub const INFO_REPORTS: &[(&str, &str)] = &[
    (
        "组织党员收看党章电视教材",
        "本月组织党员集中收看党章电视教材，收看后开展了讨论，党员学习热情较高。",
    ),
    (
        "开展主题党日活动",
        "结合主题党日，组织党员收看电教片并开展志愿服务，清理村内垃圾点两处。",
    ),
    (
        "农村实用技术培训情况",
        "利用电教片开展实用技术培训，参训群众和党员共二十余人，反映效果好。",
    ),
    (
        "电教设备运行情况",
        "本月电教设备运行正常，播放员按时登记三薄一册。",
    ),
];

/// Where pastoral sessions are held.
pub const PASTURES: &[&str] = &["夏季牧场", "转场途中定居点", "秋季草场"];

/// The `n`-th of `list`, in turn.
pub fn pick<'a>(list: &[&'a str], n: usize) -> &'a str {
    list[n % list.len()]
}
