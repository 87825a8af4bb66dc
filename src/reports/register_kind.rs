//! Which register (三薄一册): the four kinds, their titles and their columns.

use serde::Serialize;

/// Which register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    Viewing,
    Discussion,
    Feedback,
    Signin,
}

impl RegisterKind {
    pub const ALL: [RegisterKind; 4] = [
        RegisterKind::Viewing,
        RegisterKind::Discussion,
        RegisterKind::Feedback,
        RegisterKind::Signin,
    ];

    /// `viewing|discussion|feedback|signin`, or `all` for the four.
    pub fn parse_many(s: &str) -> Option<Vec<RegisterKind>> {
        Some(match s {
            "viewing" => vec![RegisterKind::Viewing],
            "discussion" => vec![RegisterKind::Discussion],
            "feedback" => vec![RegisterKind::Feedback],
            "signin" => vec![RegisterKind::Signin],
            "all" => RegisterKind::ALL.to_vec(),
            _ => return None,
        })
    }

    pub fn title(self) -> &'static str {
        match self {
            RegisterKind::Viewing => "收看情况登记薄",
            RegisterKind::Discussion => "讨论登记薄",
            RegisterKind::Feedback => "信息反馈薄",
            RegisterKind::Signin => "党员签到册",
        }
    }

    /// Column keys and their Chinese headers (备注 comes last, made from the marks).
    pub(super) fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            RegisterKind::Viewing => &[
                ("date", "日期"),
                ("film_title", "影片"),
                ("duration_min", "片长（分钟）"),
                ("watched_min", "收看时长（分钟）"),
                ("run_by", "播放人"),
                ("attendees", "收看人数"),
                ("status", "状态"),
                ("photo", "照片"),
            ],
            RegisterKind::Discussion => &[
                ("date", "日期"),
                ("film_title", "影片"),
                ("text", "讨论内容"),
            ],
            RegisterKind::Feedback => &[
                ("date", "日期"),
                ("category", "类别"),
                ("title", "标题"),
                ("text", "内容"),
            ],
            RegisterKind::Signin => &[
                ("date", "日期"),
                ("film_title", "影片"),
                ("member_name", "姓名"),
                ("member_no", "党员编号"),
            ],
        }
    }
}
